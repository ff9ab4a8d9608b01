// Small shared pieces: status badges (icon + text), in-app links, a confirm dialog, replica bars,
// the page header with an aria-live status line.
import { type MouseEvent, type ReactNode, useEffect, useRef } from 'react';
import { navigate } from './hooks.js';
import { statusLook } from './lib/status.js';
import { percent } from './lib/workloads.js';

export function StatusBadge({ status, label }: { status: string | undefined; label?: string }) {
  const look = statusLook(status);
  return (
    <span
      className={`badge tone-${look.tone}`}
      title={label ? `${label}: ${status ?? 'Unknown'}` : undefined}
    >
      <span aria-hidden="true" className="badge-icon">
        {look.icon}
      </span>
      {label ? <span className="visually-hidden">{label}: </span> : null}
      {status ?? 'Unknown'}
    </span>
  );
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
      return;
    }
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} className={className}>
      {children}
    </a>
  );
}

/** A modal dialog (native <dialog>: focus trap, Escape closes). */
export function ConfirmDialog(props: {
  title: string;
  open: boolean;
  confirmLabel: string;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) {
      return;
    }
    if (props.open && !d.open) {
      d.showModal();
    } else if (!props.open && d.open) {
      d.close();
    }
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id="dialog-title">{props.title}</h2>
      <div className="dialog-body">{props.children}</div>
      <div className="dialog-actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="primary" onClick={props.onConfirm} disabled={props.busy}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** A horizontal bar of `value` out of `max`, with the numbers as text. */
export function ReplicaBar({ label, value, max }: { label: string; value: number; max: number }) {
  const p = percent(value, max);
  return (
    <div className="bar-row">
      <span className="bar-label">{label}</span>
      <meter className="visually-hidden" min={0} max={max} value={value} aria-label={label} />
      <span className="bar" aria-hidden="true">
        <span className="bar-fill" style={{ width: `${p}%` }} />
      </span>
      <span className="bar-value">
        {value}/{max}
      </span>
    </div>
  );
}

/** Text that screen readers announce when it changes (operation phases, action results). */
export function LiveStatus({ children, error }: { children: ReactNode; error?: boolean }) {
  return (
    <p className={error ? 'live error' : 'live'} role={error ? 'alert' : 'status'} aria-live="polite">
      {children}
    </p>
  );
}
