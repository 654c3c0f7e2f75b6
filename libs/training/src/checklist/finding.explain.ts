import { formatLoss, formatLr, formatPercent } from './finding.format';
import { type Finding } from './finding.types';

/** A checklist finding made readable: what was checked, measured against expected, what it means, what to do. */
export interface FindingCard {
  check: string;
  status: Finding['status'];
  /** What was checked, in words. */
  title: string;
  /** The measured value, rounded. */
  measured: string;
  /** What a healthy run shows. */
  expected: string;
  meaning: string;
  action: string;
  /** Whether the run stopped or carried on because of it. */
  outcome: string;
  /** The engine's own message, rounded. */
  message: string;
}

const CARRIED_ON = 'The run carried on: the checklist reports, it does not stop a training.';
const AFTER_TRAINING = 'Read from the finished curves, after training: nothing was stopped.';

/** Rounds every long decimal in a text to 3 significant digits ("0.44444444" -> "0.444"), for findings stored before their messages were. */
export function roundNumbers(text: string): string {
  return text.replace(/-?\d+\.\d{4,}(e-?\d+)?/g, (match) => formatLoss(Number(match)));
}

function num(evidence: Finding['evidence'], key: string): string {
  const value = evidence[key];
  if (typeof value === 'number') return formatLoss(value);
  return value === undefined ? '—' : String(value);
}

function percent(evidence: Finding['evidence'], key: string): string {
  const value = evidence[key];
  return typeof value === 'number' ? formatPercent(value) : num(evidence, key);
}

function rate(evidence: Finding['evidence'], key: string): string {
  const value = evidence[key];
  return typeof value === 'number' ? formatLr(value) : num(evidence, key);
}

/** What the recipe did with a finding read from the curves: at which epoch, and whether it was the one kept. */
function curvesOutcome(evidence: Finding['evidence']): string {
  const kept = evidence.keptEpoch;
  if (typeof kept !== 'number') return AFTER_TRAINING;
  const last = typeof evidence.epochs === 'number' ? evidence.epochs : kept;
  return kept < last
    ? `Read at epoch ${kept} of ${last}: early stopping kept that epoch's weights, and they are what was evaluated and saved.`
    : `Read at the last epoch (${kept}), whose weights were evaluated and saved.`;
}

/** The lecture's reading of each check: initial loss and flat start -> initialisation; plateau -> schedule; ... */
export function explainFinding(finding: Finding): FindingCard {
  const e = finding.evidence;
  const ok = finding.status === 'pass';
  const base = {
    check: finding.check,
    status: finding.status,
    message: roundNumbers(finding.message),
    outcome: finding.check.startsWith('curves') ? curvesOutcome(finding.evidence) : CARRIED_ON,
  };
  switch (finding.check) {
    case 'initial-loss':
      return {
        ...base,
        title: 'Loss of the untrained model',
        measured: `loss ${num(e, 'initialLoss')}`,
        expected: `about ln(${num(e, 'numClasses')}) = ${num(e, 'expectedLoss')} (within ${percent(e, 'tolerance')})`,
        meaning: ok
          ? 'The model starts unbiased: it guesses every class equally before training.'
          : 'The model starts biased (confident and wrong, or suspiciously right): an initialisation or input problem.',
        action: ok
          ? 'Nothing to do.'
          : 'Fix the initialisation: keep headInitScale small (0.01), check the input normalisation and that labels match the images.',
      };
    case 'overfit-small-sample':
      return {
        ...base,
        title: 'Can the model memorise a small sample?',
        measured: `accuracy ${percent(e, 'finalAccuracy')}, loss ${num(e, 'finalLoss')}`,
        expected: `accuracy ≥ ${percent(e, 'targetAccuracy')} and loss ≤ ${num(e, 'targetLoss')}`,
        meaning: ok
          ? 'The model, optimiser and labels can fit data: the pipeline learns.'
          : 'A model that cannot memorise a handful of images has a bug or a learning rate far off.',
        action: ok
          ? 'Nothing to do.'
          : 'Try a learning rate 10x higher (or lower if the loss oscillated), turn off regularisation for the test, check the images and labels stay paired.',
      };
    case 'overfit-held-out': {
      const oneClass = e.heldOutClasses === 1;
      return {
        ...base,
        title: 'Do the labels belong to the images?',
        measured: `held-out accuracy ${percent(e, 'heldOutAccuracy')} on ${num(e, 'heldOutCount')} validation images (a stratified sample)`,
        expected: `above chance: > ${percent(e, 'chanceBound')} (majority class ${percent(e, 'majorityRate')})`,
        meaning: oneClass
          ? 'Every held-out image is of one class: a constant guess scores 100%, so this cannot tell matching labels from shuffled ones. Not judged.'
          : ok
            ? 'What the model memorised carries to unseen images: labels and images agree.'
            : 'The memorised model guesses unseen images no better than always answering the commonest class: labels may be shuffled or misaligned — or the classes cannot be told apart from so few examples.',
        action: oneClass
          ? 'Give the validation split more than one class (more images, or a larger data.split.validation).'
          : ok
            ? 'Nothing to do.'
            : 'Look at a few images of each class in the dataset; if they are right, this is a hard task and the full run decides.',
      };
    }
    case 'lr-range-test':
      return {
        ...base,
        title: 'Learning-rate range test',
        measured:
          typeof e.suggestedLr === 'number' ? `proposed lr ${rate(e, 'suggestedLr')}` : 'no rate proposed',
        expected: 'a rate where the loss falls fastest, below where it diverges',
        meaning:
          typeof e.suggestedLr === 'number'
            ? `The loss was lowest near ${rate(e, 'minLossLr')}; a decade below is safely inside the falling region.`
            : 'The sweep found no rate where the loss fell.',
        action: ok
          ? 'If schedule.lr is far from the proposal, try the proposal (checklist.lrRange.apply).'
          : 'Widen the sweep (minLr/maxLr) or check the data.',
        outcome: e.applied
          ? `The run trained at the proposed rate ${rate(e, 'suggestedLr')} (checklist.lrRange.apply).`
          : `Only reported: the run trained at schedule.lr${typeof e.configuredLr === 'number' ? ` ${rate(e, 'configuredLr')}` : ''}.`,
      };
    case 'candidates':
      return {
        ...base,
        title: 'Candidate settings compared',
        measured: roundNumbers(finding.message),
        expected: 'one candidate clearly ahead',
        meaning: 'Short runs ranked the candidate settings; short runs favour what learns fast.',
        action: ok ? 'Nothing to do.' : 'Lower the learning rates of the candidates.',
        outcome:
          typeof e.rank1 === 'string' && ok
            ? `The run trained with "${e.rank1}".`
            : 'The run trained with its own settings.',
      };
    case 'curves.exploding':
      return {
        ...base,
        title: 'Did the loss explode?',
        measured: `train loss ${num(e, 'trainLoss')} at epoch ${num(e, 'epoch')} (lr ${rate(e, 'lr')})`,
        expected: 'a loss that stays finite and near its running minimum',
        meaning: 'The learning rate is too high: the updates overshoot.',
        action: 'Lower schedule.lr 10x, add warm-up (schedule.warmup) or clipNorm.',
      };
    case 'curves.flat-start':
      return {
        ...base,
        title: 'Did the loss move at the start?',
        measured: `train loss ${num(e, 'firstTrainLoss')} → ${num(e, 'finalTrainLoss')}, flat for ${num(e, 'flatEpochs')} epochs`,
        expected: 'a loss falling from the first epochs',
        meaning: 'A flat start points at the initialisation (or a learning rate far too low).',
        action:
          'Change the initialisation (init: he for ReLU networks, headInitScale 0.01) or raise schedule.lr.',
      };
    case 'curves.plateau':
      return {
        ...base,
        title: 'Did training plateau?',
        measured: `train loss improved ${percent(e, 'relativeImprovement')} over ${num(e, 'window')} epochs at lr ${rate(e, 'lr')}`,
        expected: 'the loss still falling, or a decaying rate',
        meaning: 'A plateau at a constant rate calls for the schedule.',
        action: 'Use a decaying schedule (schedule.kind cosine or step).',
      };
    case 'curves.overfitting':
      return {
        ...base,
        title: 'Train/validation gap',
        measured: `train accuracy ${percent(e, 'trainAcc')} vs validation ${percent(e, 'valAcc')}`,
        expected: 'a gap under 10.0%, and a validation loss that does not rise',
        meaning: 'The model learns the training images better than it generalises: overfitting.',
        action:
          'Regularise: more augmentation (augment), weight decay, dropout, label smoothing, more data; early stopping keeps the best epoch.',
      };
    case 'curves.underfitting':
      return {
        ...base,
        title: 'No gap, low accuracy',
        measured: `train accuracy ${percent(e, 'trainAcc')}, validation ${percent(e, 'valAcc')}`,
        expected: `accuracy ≥ ${percent(e, 'targetAccuracy')}`,
        meaning: 'The model is too weak, or trained too briefly.',
        action: 'A bigger model (model.depth, model.width, inputSize) or longer training (epochs).',
      };
    case 'curves.healthy':
      return {
        ...base,
        title: 'Curves',
        measured: `train accuracy ${percent(e, 'trainAcc')}, validation ${percent(e, 'valAcc')}`,
        expected: 'falling loss, small gap, good accuracy',
        meaning: 'The curves look healthy.',
        action: 'Nothing to do.',
      };
    default:
      return {
        ...base,
        title: finding.check,
        measured: roundNumbers(JSON.stringify(e)),
        expected: '—',
        meaning: roundNumbers(finding.message),
        action: ok ? 'Nothing to do.' : 'See the message.',
      };
  }
}
