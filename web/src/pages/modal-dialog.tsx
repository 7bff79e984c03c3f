/**
 * A modal dialog on the native <dialog> element: showModal() keeps the keyboard inside it, Escape
 * closes it, and the browser gives the focus back to what opened it. The caller unmounts it on close.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function ModalDialog({
  titleId,
  title,
  onClose,
  children,
}: {
  titleId: string;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    const dialog = ref.current!;
    let closed = false;
    // 'close' comes after Escape, the close button and the cleanup below alike: report it once.
    const onNativeClose = () => {
      if (closed) return;
      closed = true;
      closeRef.current();
    };
    dialog.addEventListener('close', onNativeClose);
    if (!dialog.open) dialog.showModal();
    return () => {
      closed = true;
      dialog.removeEventListener('close', onNativeClose);
      if (dialog.open) dialog.close();
    };
  }, []);
  return (
    <dialog ref={ref} class="modal" aria-labelledby={titleId}>
      <div class="modal-head">
        <h2 id={titleId}>{title}</h2>
        <button
          type="button"
          class="close"
          onClick={() => ref.current?.close()}
          aria-label={`Close: ${title}`}
        >
          Close
        </button>
      </div>
      {children}
    </dialog>
  );
}
