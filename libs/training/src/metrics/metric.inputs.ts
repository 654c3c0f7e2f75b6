/** Shared argument checks: metric functions fail loudly on mismatched or malformed inputs. */

export function assertSameLength(a: readonly unknown[], b: readonly unknown[], what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what}: ${a.length} predictions for ${b.length} labels`);
}

export function assertBinaryLabels(labels: readonly number[]): void {
  const bad = labels.find((label) => label !== 0 && label !== 1);
  if (bad !== undefined) throw new RangeError(`binary labels must be 0 or 1, got ${bad}`);
}

export function assertFiniteScores(scores: readonly number[]): void {
  const bad = scores.find((score) => !Number.isFinite(score));
  if (bad !== undefined) throw new RangeError(`scores must be finite, got ${bad}`);
}

export function assertLabelsInRange(labels: readonly number[], numClasses: number): void {
  const bad = labels.find((label) => !Number.isInteger(label) || label < 0 || label >= numClasses);
  if (bad !== undefined) throw new RangeError(`label ${bad} is outside 0..${numClasses - 1}`);
}

/** x / y, or 0 when y is 0 (scikit-learn's zero_division=0 convention). */
export function safeDivide(x: number, y: number): number {
  return y === 0 ? 0 : x / y;
}
