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
      {copied == null ? "⧉" : copied ? "copied" : "copy failed"}
    </button>
  );
}
