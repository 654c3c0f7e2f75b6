import { useSearchParams } from 'react-router';
import { isRange, RANGES } from './range';

/** The time range, kept in the URL (`range=24h`), so a dashboard link shows the same window. */
export function RangePicker() {
  const [params, setParams] = useSearchParams();
  const current = params.get('from') && params.get('to') ? null : (params.get('range') ?? '24h');
  return (
    <div role="group" aria-label="Time range" className="range-picker">
      {Object.keys(RANGES).map((name) => (
        <button
          key={name}
          type="button"
          aria-pressed={current === name}
          onClick={() => {
            const next = new URLSearchParams(params);
            next.delete('from');
            next.delete('to');
            if (isRange(name)) next.set('range', name);
            setParams(next, { replace: true });
          }}
        >
          {name}
        </button>
      ))}
    </div>
  );
}
