export { createRng, deriveSeed, hashToSeed, type Rng } from './rng';
