import { useState } from "react";
import { downloadCsv } from "../../api/analytics";

/** Saves the CSV answer of `path`; the failure's reason beside the button. */
export function DownloadCsvButton({ path, fileName, label = "Download CSV", testId }: { path: string; fileName: string; label?: string; testId?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="row" style={{ gap: 6 }}>
      <button
        type="button"
        className="ghost"
        disabled={busy}
        data-testid={testId}
        onClick={() => {
          setBusy(true);
          setError(null);
          downloadCsv(path, fileName)
            .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
            .finally(() => setBusy(false));
        }}
      >
        {busy ? "Preparing…" : label}
      </button>
      {error && (
        <span className="down" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
