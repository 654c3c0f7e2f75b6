import { runApp } from '@linescope/platform';
import { apiApp } from './api.app';

runApp(apiApp);
