/**
 * How checklist findings print numbers, in one place: a reader compares a measured value with an expected
 * range, so both must be short and alike. Non-finite values print as themselves ("NaN", "Infinity").
 */

/** A fraction as a percentage with one decimal: 0.45312 -> "45.3%". */
export function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(1)}%` : String(fraction);
}

/** A loss to 3 significant digits: 0.444444 -> "0.444", 1.79175 -> "1.79", 0.000123 -> "1.23e-4". */
export function formatLoss(loss: number): string {
  if (!Number.isFinite(loss)) return String(loss);
  if (loss !== 0 && Math.abs(loss) < 0.001) return exponent(loss, 2);
  return String(Number(loss.toPrecision(3)));
}

/** A learning rate in exponent form with one decimal: 0.003 -> "3.0e-3", 0.0125 -> "1.3e-2". */
export function formatLr(lr: number): string {
  return Number.isFinite(lr) ? exponent(lr, 1) : String(lr);
}

function exponent(value: number, digits: number): string {
  return value.toExponential(digits).replace('e+', 'e');
}
