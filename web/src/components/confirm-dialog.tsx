/** A modal question with Cancel and a confirm button (the native <dialog>: focus kept inside, Escape cancels). */
import { useEffect, useRef } from "react";

export interface ConfirmRequest {
  title: string;
  body: string;
  confirmLabel: string;
  danger: boolean;
  onConfirm: () => void;
}

export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest | null; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (request && !dialog.open) dialog.showModal();
    if (!request && dialog.open) dialog.close();
  }, [request]);

  return (
    <dialog ref={ref} className="dialog" aria-labelledby="confirm-title" onClose={onClose}>
      {request && (
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            request.onConfirm();
            onClose();
          }}
        >
          <h2 id="confirm-title">{request.title}</h2>
          <p>{request.body}</p>
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose} autoFocus>
              Cancel
            </button>
            <button type="submit" className={request.danger ? "button button-danger" : "button button-primary"}>
              {request.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
