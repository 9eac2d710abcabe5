import { useEffect, useState } from "react";

/** Copies `value` to the clipboard; says so for a moment. */
export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  useEffect(() => {
    if (copied == null) return undefined;
    const timer = window.setTimeout(() => setCopied(null), 1500);
    return () => window.clearTimeout(timer);
  }, [copied]);
  return (
    <button
      type="button"
      className="small ghost copy"
      title={`Copy ${value}`}
      aria-label={`${label}: ${value}`}
      onClick={(e) => {
        e.stopPropagation();
        navigator.clipboard.writeText(value).then(
          () => setCopied(true),
          () => setCopied(false),
        );
      }}
    >
      {copied == null ? <CopyIcon /> : copied ? "copied" : "copy failed"}
    </button>
  );
}

function CopyIcon() {
  return (
    <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.2">
      <rect x="3.5" y="3.5" width="7" height="7" rx="1" />
      <path d="M8.5 1.5h-6a1 1 0 0 0-1 1v6" />
    </svg>
  );
}
