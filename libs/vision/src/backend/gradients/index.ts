export { tileGradient } from './tile.gradient';
export { registerTrainingGradients, trainingGradients } from './training-gradients.registry';
