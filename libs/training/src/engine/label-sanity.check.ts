import { type Finding } from '../checklist/finding.types';

/**
 * After memorising a small sample, a model whose labels match its images predicts unseen images better than a
 * constant guess; with labels shuffled against the images it cannot. Passes when the held-out accuracy beats the
 * majority-class rate by more than the noise of `count` draws (one-sided 99%: a chance-level model passes about
 * once in a hundred), fails otherwise. A hard task can also fail from so few examples, so the message says both.
 */
/** One-sided 99% quantile of the standard normal. */
const Z_99 = 2.326;

export function checkHeldOutAfterOverfit(heldOutAccuracy: number, heldOutLabels: readonly number[]): Finding {
  const count = heldOutLabels.length;
  const counts = new Map<number, number>();
  for (const label of heldOutLabels) counts.set(label, (counts.get(label) ?? 0) + 1);
  const majority = count === 0 ? 1 : Math.max(...counts.values()) / count;
  const bound = majority + Z_99 * Math.sqrt((majority * (1 - majority)) / Math.max(1, count));
  const evidence = { heldOutAccuracy, heldOutCount: count, majorityRate: majority, chanceBound: bound };
  if (count === 0) {
    return {
      check: 'overfit-held-out',
      status: 'warn',
      message: 'no held-out images to check the labels with',
      evidence,
    };
  }
  if (heldOutAccuracy > bound) {
    return {
      check: 'overfit-held-out',
      status: 'pass',
      message: `the small-sample model predicts unseen images above chance (${heldOutAccuracy.toFixed(3)} > ${bound.toFixed(3)}): labels and images agree`,
      evidence,
    };
  }
  return {
    check: 'overfit-held-out',
    status: 'fail',
    message: `the small-sample model predicts unseen images no better than chance (${heldOutAccuracy.toFixed(3)} <= ${bound.toFixed(3)}): check that the labels belong to the images (shuffled or misaligned labels), unless the classes cannot be told apart from so few examples`,
    evidence,
  };
}
