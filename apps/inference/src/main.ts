import { runApp } from '@linescope/platform';
import { inferenceApp } from './inference.app';

runApp(inferenceApp);
