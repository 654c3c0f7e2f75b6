import { type TrainingProgress } from '@linescope/training/engine';

const BAR_WIDTH = 24;

/** "1h02m", "3m05s", "42s". */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** One line describing the progress: phase, epoch, a bar of the epoch's steps, loss, accuracy, lr, ETA. */
export function progressLine(progress: TrainingProgress, options: { bar?: boolean } = {}): string {
  const parts: string[] = [progress.phase];
  if (progress.epoch !== undefined && progress.epochs !== undefined)
    parts.push(`epoch ${progress.epoch}/${progress.epochs}`);
  if (progress.step !== undefined) {
    const total = progress.stepsPerEpoch;
    if (options.bar && total !== undefined && total > 0) {
      const filled = Math.round((Math.min(progress.step, total) / total) * BAR_WIDTH);
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${progress.step}/${total}`);
    } else {
      parts.push(total === undefined ? `step ${progress.step}` : `step ${progress.step}/${total}`);
    }
  }
  if (progress.loss !== undefined) parts.push(`loss ${progress.loss.toFixed(4)}`);
  if (progress.accuracy !== undefined) parts.push(`acc ${progress.accuracy.toFixed(4)}`);
  if (progress.learningRate !== undefined) parts.push(`lr ${progress.learningRate.toExponential(2)}`);
  if (progress.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(progress.etaSeconds)}`);
  return parts.join('  ');
}

export interface ProgressWriter {
  progress(progress: TrainingProgress): void;
  /** A line that must stay (epoch summaries, findings): clears the live bar first. */
  line(text: string): void;
  done(): void;
}

/**
 * On a terminal, a live bar redrawn in place (carriage return, clear line); elsewhere (pipes, CI logs) plain
 * progress lines at most every `plainIntervalMs`.
 */
export function createProgressWriter(
  stream: { write(text: string): unknown; isTTY?: boolean; columns?: number },
  options: { plainIntervalMs?: number; now?: () => number } = {},
): ProgressWriter {
  const now = options.now ?? (() => Date.now());
  const interval = options.plainIntervalMs ?? 10_000;
  let live = false;
  let lastPlain = Number.NEGATIVE_INFINITY;
  const clear = (): void => {
    if (live) stream.write('\r\x1b[2K');
    live = false;
  };
  return {
    progress(progress) {
      if (stream.isTTY) {
        const width = stream.columns ?? 120;
        stream.write(`\r\x1b[2K${progressLine(progress, { bar: true }).slice(0, Math.max(20, width - 1))}`);
        live = true;
        return;
      }
      if (now() - lastPlain < interval) return;
      lastPlain = now();
      stream.write(`${progressLine(progress)}\n`);
    },
    line(text) {
      clear();
      stream.write(`${text}\n`);
    },
    done: clear,
  };
}
