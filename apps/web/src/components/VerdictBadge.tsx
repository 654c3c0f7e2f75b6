export function VerdictBadge({ verdict }: { verdict: string | null }) {
  return <span className={`badge verdict-${verdict ?? 'none'}`}>{verdict ?? 'pending'}</span>;
}
