import { formatPercent } from '../checklist/finding.format';
import { type Finding } from '../checklist/finding.types';

/** One-sided 99% quantile of the standard normal. */
const Z_99 = 2.326;

/**
 * After memorising a small sample, a model whose labels match its images predicts unseen images better than a
 * constant guess; with labels shuffled against the images it cannot. Passes when the held-out accuracy beats the
 * majority-class rate by more than the noise of `count` draws (one-sided 99%: a chance-level model passes about
 * once in a hundred), fails otherwise. A hard task can also fail from so few examples, so the message says both.
 * Held-out images of one class only cannot judge anything (a constant guess scores 100%): that warns, saying so.
 */
export function checkHeldOutAfterOverfit(heldOutAccuracy: number, heldOutLabels: readonly number[]): Finding {
  const count = heldOutLabels.length;
  const counts = new Map<number, number>();
  for (const label of heldOutLabels) counts.set(label, (counts.get(label) ?? 0) + 1);
  const majority = count === 0 ? 1 : Math.max(...counts.values()) / count;
  const bound = majority + Z_99 * Math.sqrt((majority * (1 - majority)) / Math.max(1, count));
  const evidence = {
    heldOutAccuracy,
    heldOutCount: count,
    heldOutClasses: counts.size,
    majorityRate: majority,
    chanceBound: bound,
  };
  const finding = (status: Finding['status'], message: string): Finding => ({
    check: 'overfit-held-out',
    status,
    message,
    evidence,
  });
  if (count === 0) return finding('warn', 'no held-out images to check the labels with; the run carried on');
  const measured = `held-out accuracy ${formatPercent(heldOutAccuracy)} on ${count} images`;
  if (counts.size < 2) {
    return finding(
      'warn',
      `${measured}, all of one class: always answering that class scores 100%, so the check cannot tell ` +
        'matching labels from shuffled ones (the validation split holds one class); not judged, the run carried on',
    );
  }
  const expected = `above ${formatPercent(bound)} (majority class ${formatPercent(majority)} plus the noise of ${count} draws)`;
  if (heldOutAccuracy > bound) {
    return finding(
      'pass',
      `${measured}, expected ${expected}: what the small-sample model memorised carries to unseen images, so labels and images agree`,
    );
  }
  return finding(
    'fail',
    `${measured}, expected ${expected}: no better than always answering the commonest class; check that the ` +
      'labels belong to the images (shuffled or misaligned labels), unless the classes cannot be told apart from ' +
      'so few examples; the run carried on',
  );
}
