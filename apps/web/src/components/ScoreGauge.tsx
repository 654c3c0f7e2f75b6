interface Props {
  score: number | null;
  threshold: number | null;
  low: number | null;
  high: number | null;
  source: string;
}

/** The defect score on a 0–1 scale against the operating threshold and the uncertain band. */
export function ScoreGauge({ score, threshold, low, high, source }: Props) {
  const summary = [
    `Score ${score === null ? 'none' : score.toFixed(3)}`,
    threshold === null ? 'no threshold' : `threshold ${threshold.toFixed(2)}`,
    low !== null && high !== null ? `uncertain band ${low.toFixed(2)}–${high.toFixed(2)}` : 'no band',
    `from the ${source}`,
  ].join(', ');
  return (
    <div className="gauge">
      <svg viewBox="0 0 100 12" preserveAspectRatio="none" role="img" aria-label={summary}>
        <rect x="0" y="3" width="100" height="6" className="gauge-track" />
        {low !== null && high !== null && (
          <rect x={low * 100} y="3" width={(high - low) * 100} height="6" className="gauge-band" />
        )}
        {threshold !== null && (
          <rect x={threshold * 100 - 0.4} y="0" width="0.8" height="12" className="gauge-threshold" />
        )}
        {score !== null && <circle cx={score * 100} cy="6" r="2.4" className="gauge-score" />}
      </svg>
      <p className="gauge-text">
        <strong>{score === null ? '—' : score.toFixed(3)}</strong>
        {threshold !== null && <> vs threshold {threshold.toFixed(2)}</>}
        {low !== null && high !== null && (
          <>
            , band {low.toFixed(2)}–{high.toFixed(2)}
          </>
        )}{' '}
        <span className="muted">({source})</span>
      </p>
    </div>
  );
}
