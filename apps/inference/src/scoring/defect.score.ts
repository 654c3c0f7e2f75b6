import { type ModelManifest } from '@linescope/vision/artifacts';

/** Probabilities by class name, and the defect score: the summed probability of the positive classes. */
export function defectScore(
  probabilities: Float32Array,
  manifest: Pick<ModelManifest, 'classNames' | 'positiveClasses'>,
): { score: number; byClass: Record<string, number> } {
  const { classNames, positiveClasses } = manifest;
  if (probabilities.length !== classNames.length) {
    throw new RangeError(`${probabilities.length} probabilities for ${classNames.length} classes`);
  }
  const byClass: Record<string, number> = {};
  classNames.forEach((name, index) => (byClass[name] = probabilities[index]));
  const positive = positiveClasses.reduce((sum, name) => sum + (byClass[name] ?? 0), 0);
  // Float32 sums may overshoot 1 by an ulp; a score is a probability.
  return { score: Math.min(1, Math.max(0, positive)), byClass };
}

/** The positive class a DEFECT or UNCERTAIN image is explained by: the most probable one. */
export function explainedClassIndex(
  manifest: Pick<ModelManifest, 'classNames' | 'positiveClasses'>,
  probabilities: Record<string, number> | null,
): number {
  const [first, ...others] = manifest.positiveClasses;
  const best = others.reduce(
    (top, name) => ((probabilities?.[name] ?? 0) > (probabilities?.[top] ?? 0) ? name : top),
    first,
  );
  return manifest.classNames.indexOf(best);
}
