/**
 * Google's Turbo colormap (Anton Mikhailov, 2019; Apache-2.0) through its published polynomial approximation
 * (Ruofei Du): perceptually ordered dark blue → cyan → green → yellow → red, easier to read than jet.
 */
const RED = [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943] as const;
const GREEN = [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604] as const;
const BLUE = [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973] as const;

function polynomial(coefficients: readonly number[], t: number): number {
  return coefficients.reduceRight((sum, coefficient) => sum * t + coefficient, 0);
}

function toByte(value: number): number {
  return Math.round(255 * Math.min(1, Math.max(0, value)));
}

/** 256 RGB entries, index = round(255 * heat). */
export const TURBO_LUT: Uint8Array = (() => {
  const table = new Uint8Array(256 * 3);
  for (let index = 0; index < 256; index++) {
    const t = index / 255;
    table[index * 3] = toByte(polynomial(RED, t));
    table[index * 3 + 1] = toByte(polynomial(GREEN, t));
    table[index * 3 + 2] = toByte(polynomial(BLUE, t));
  }
  return table;
})();

/** Turbo colour of a heat in [0, 1] (clamped), as [r, g, b] bytes. */
export function turboColor(heat: number): [number, number, number] {
  const index = 3 * Math.round(255 * Math.min(1, Math.max(0, heat)));
  return [TURBO_LUT[index], TURBO_LUT[index + 1], TURBO_LUT[index + 2]];
}
