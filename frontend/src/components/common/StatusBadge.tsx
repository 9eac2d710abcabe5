const TONES: Record<string, string> = {
  succeeded: "ok",
  dry_run: "info",
  running: "info",
  queued: "info",
  uploading: "info",
  duplicate: "warn",
  refused: "bad",
  failed: "bad",
  COMPLETED: "ok",
  RUNNING: "info",
  FAILED: "bad",
  live: "info",
  closed: "ok",
};

const LABELS: Record<string, string> = { dry_run: "pre-import check", duplicate: "already imported" };

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge ${TONES[status] ?? ""}`} data-status={status}>
      {LABELS[status] ?? status}
    </span>
  );
}
