/** A labelled progress bar: `<progress>` is announced by screen readers with its value. */
export function ProgressBar({ percent, label }: { percent: number | undefined; label: string }) {
  const value = percent ?? 0;
  return (
    <span className="progress">
      <progress max={100} value={value} aria-label={label} />
      <span className="progress-text">{percent === undefined ? '—' : `${Math.round(value)}%`}</span>
    </span>
  );
}
