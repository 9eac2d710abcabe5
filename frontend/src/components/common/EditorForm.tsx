import type { ReactNode } from "react";

/**
 * A small editing form: Enter in a field (or Save) saves, Escape cancels, the server's
 * refusal shows inline. Notes are a `NotesArea`, where Enter adds a line.
 */
export function EditorForm({
  label,
  onSave,
  onCancel,
  pending,
  error,
  hint,
  children,
}: {
  label: string;
  onSave: () => void;
  onCancel: () => void;
  pending: boolean;
  error: Error | null;
  hint: string;
  children: ReactNode;
}) {
  return (
    <form
      className="stack editor"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        onSave();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onCancel();
        }
      }}
    >
      {children}
      {error && (
        <div className="inline-error" role="alert">
          {error.message}
        </div>
      )}
      <div className="row">
        <button type="submit" className="primary small" disabled={pending}>
          {pending ? "Saving…" : "Save"}
        </button>
        <button type="button" className="small ghost" onClick={onCancel}>
          Cancel
        </button>
        <span className="faint">{hint}</span>
      </div>
    </form>
  );
}

/** Notes: Enter adds a line, Ctrl/Cmd+Enter saves. */
export function NotesArea({
  value,
  onChange,
  onSave,
  rows = 4,
  autoFocus = false,
}: {
  value: string;
  onChange: (text: string) => void;
  onSave: () => void;
  rows?: number;
  autoFocus?: boolean;
}) {
  return (
    <label className="field">
      Notes
      <textarea
        value={value}
        onChange={(e) => onChange(e.target.value)}
        rows={rows}
        maxLength={20000}
        autoFocus={autoFocus}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            onSave();
          }
        }}
      />
    </label>
  );
}
