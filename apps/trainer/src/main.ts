import { runApp } from '@linescope/platform';
import { trainerApp } from './trainer.app';

runApp(trainerApp);
