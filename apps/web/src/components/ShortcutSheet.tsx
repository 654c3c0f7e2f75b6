import { useEffect, useRef } from 'react';

export const REVIEW_SHORTCUTS: [string, string][] = [
  ['o', 'Mark OK'],
  ['d', 'Mark defect'],
  ['1 – 9', "Mark defect of the line's type 1 – 9"],
  ['n', 'Write a note for the next decision'],
  ['j  or  →', 'Next item'],
  ['k  or  ←', 'Previous item'],
  ['z', 'Undo: go back; the next decision corrects the previous one'],
  ['+  −  0', 'Zoom in, out, fit'],
  ['g', 'Grid mode (triage many at once)'],
  ['?', 'This sheet'],
];

interface Props {
  open: boolean;
  onClose: () => void;
}

/** The `?` sheet: a modal dialog (focus moves in, Escape closes, focus returns). */
export function ShortcutSheet({ open, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);
  return (
    <dialog ref={dialog} onClose={onClose} aria-labelledby="shortcuts-title" className="shortcuts">
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table>
        <tbody>
          {REVIEW_SHORTCUTS.map(([keys, action]) => (
            <tr key={keys}>
              <th scope="row">
                <kbd>{keys}</kbd>
              </th>
              <td>{action}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={onClose} autoFocus>
        Close
      </button>
    </dialog>
  );
}
