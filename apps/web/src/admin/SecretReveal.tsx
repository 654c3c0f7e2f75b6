import { useState } from 'react';

/**
 * A secret (camera key, temporary password, webhook secret) the server shows once: displayed with a copy
 * button, and a warning that it cannot be shown again.
 */
export function SecretReveal({
  label,
  secret,
  onDone,
}: {
  label: string;
  secret: string;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = () =>
    navigator.clipboard.writeText(secret).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  return (
    <div className="secret-reveal" role="region" aria-label={label} data-testid="secret-reveal">
      <p>
        <strong>{label}</strong> — shown once. Copy it now: it cannot be shown again.
      </p>
      <code data-testid="secret-value">{secret}</code>
      <div className="secret-actions">
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
        <span role="status" aria-live="polite">
          {copied === 'yes'
            ? 'Copied to the clipboard.'
            : copied === 'failed'
              ? 'Copy failed: select and copy it.'
              : ''}
        </span>
      </div>
    </div>
  );
}
