import { useEffect, useId, useRef, useState } from 'react';

interface Props {
  open: boolean;
  title: string;
  /** What will happen, in a sentence. */
  description: string;
  confirmLabel: string;
  pending: boolean;
  error: string | null;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}

/** A modal confirmation that asks why: the reason is required and goes into the audit log. */
export function ReasonDialog({
  open,
  title,
  description,
  confirmLabel,
  pending,
  error,
  onConfirm,
  onCancel,
}: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const ids = { title: useId(), text: useId(), hint: useId() };
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      setReason('');
      setTouched(false);
      element.showModal();
    }
    if (!open && element.open) element.close();
  }, [open]);
  const blank = reason.trim() === '';
  return (
    <dialog ref={dialog} aria-labelledby={ids.title} className="reason-dialog" onCancel={onCancel}>
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          setTouched(true);
          if (!blank) onConfirm(reason.trim());
        }}
      >
        <h2 id={ids.title}>{title}</h2>
        <p>{description}</p>
        <label htmlFor={ids.text}>Reason (kept in the audit log)</label>
        <textarea
          id={ids.text}
          value={reason}
          aria-required="true"
          rows={3}
          aria-invalid={touched && blank}
          aria-describedby={ids.hint}
          onChange={(event) => setReason(event.target.value)}
        />
        <p id={ids.hint} className={touched && blank ? 'error' : 'muted'}>
          {touched && blank ? 'A reason is required.' : 'Say why, so the next person understands the change.'}
        </p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={pending}>
            {pending ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
