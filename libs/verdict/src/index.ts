// The verdict rule, in one place: score -> threshold and band (line over model over manifest) -> verdict.
// No dependencies, so every layer (db, training, inference, the API) can use it.
export * from './verdict';
export * from './decision-rule';
