import { useEffect, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { ApiError, storeApiKey } from "../../api/client";
import { withoutInternalNames } from "../../api/errors";
import { useJobEvents } from "../../api/events";
import { useJob } from "../../api/queries";
import type { ImportReport, UploadAccepted } from "../../api/types";
import { unsupportedFileReason, uploadFile } from "../../api/upload";
import { fmtBytes, fmtInt } from "../../format";
import { StatusBadge } from "../common/StatusBadge";
import { RunLabel } from "../runs/RunName";
import { ImportReportView } from "./ImportReportView";

type Phase =
  | { kind: "checking"; sent: number }
  | { kind: "checked"; report: ImportReport }
  | { kind: "uploading"; report: ImportReport; sent: number }
  | { kind: "importing"; report: ImportReport; accepted: UploadAccepted }
  | { kind: "error"; message: string; status: number | null; report?: ImportReport };

/**
 * One dropped file: the pre-import check (a dry-run upload), then Import or Cancel, then
 * the background job with its progress from /api/events.
 */
export function UploadCard({ file, onRemove }: { file: File; onRemove: () => void }) {
  const [phase, setPhase] = useState<Phase>(() => {
    const reason = unsupportedFileReason(file.name);
    return reason ? { kind: "error", message: reason, status: null } : { kind: "checking", sent: 0 };
  });
  const abort = useRef<AbortController | null>(null);
  const [attempt, setAttempt] = useState(0);

  // The pre-import check starts as soon as the file is dropped.
  useEffect(() => {
    if (unsupportedFileReason(file.name)) return undefined;
    const ctrl = new AbortController();
    abort.current = ctrl;
    setPhase({ kind: "checking", sent: 0 });
    uploadFile<ImportReport>(file, {
      dryRun: true,
      signal: ctrl.signal,
      onProgress: (sent) => setPhase({ kind: "checking", sent }),
    }).then(
      (report) => setPhase({ kind: "checked", report }),
      (err: unknown) => {
        if (!ctrl.signal.aborted) setPhase(errorPhase(err));
      },
    );
    return () => ctrl.abort();
  }, [file, attempt]);

  const startImport = (report: ImportReport) => {
    const ctrl = new AbortController();
    abort.current = ctrl;
    setPhase({ kind: "uploading", report, sent: 0 });
    uploadFile<UploadAccepted>(file, {
      dryRun: false,
      signal: ctrl.signal,
      onProgress: (sent) => setPhase({ kind: "uploading", report, sent }),
    }).then(
      (accepted) => setPhase({ kind: "importing", report, accepted }),
      (err: unknown) => {
        if (!ctrl.signal.aborted) setPhase({ ...errorPhase(err), report });
      },
    );
  };

  const cancel = () => {
    abort.current?.abort();
    onRemove();
  };

  return (
    <article className="upload" data-testid="upload-card" data-phase={phase.kind} aria-label={`Upload ${file.name}`}>
      <div className="upload-head">
        <span className="name">{file.name}</span>
        <span className="dim num">{fmtBytes(file.size)}</span>
        <PhaseBadge phase={phase} />
        <span style={{ flex: 1 }} />
        {phase.kind === "checked" && phase.report.status !== "refused" && phase.report.status !== "failed" && (
          <button type="button" className="primary" onClick={() => startImport(phase.report)}>
            Import
          </button>
        )}
        {phase.kind === "importing" ? (
          <button type="button" className="ghost" onClick={onRemove} aria-label={`Close ${file.name}`}>
            Close
          </button>
        ) : (
          <button type="button" onClick={cancel}>
            {phase.kind === "checked" ? "Cancel" : phase.kind === "error" ? "Remove" : "Cancel"}
          </button>
        )}
      </div>
      {phase.kind === "checking" &&
        (phase.sent < file.size ? (
          <Bar label="Uploading for the pre-import check" done={phase.sent} total={file.size} />
        ) : (
          <Bar label="Checking every record on the server (nothing is written)…" done={0} total={null} />
        ))}
      {phase.kind === "uploading" &&
        (phase.sent < file.size ? (
          <Bar label="Uploading" done={phase.sent} total={file.size} />
        ) : (
          <Bar label="Queuing the import…" done={0} total={null} />
        ))}
      {phase.kind === "importing" && <JobTracker accepted={phase.accepted} />}
      {phase.kind === "error" && (
        <ErrorBox
          message={phase.message}
          needsKey={phase.status === 401}
          retry={() => (phase.report ? startImport(phase.report) : setAttempt((n) => n + 1))}
        />
      )}
      {(phase.kind === "checked" || phase.kind === "uploading") && <ImportReportView report={phase.report} compact />}
    </article>
  );
}

function PhaseBadge({ phase }: { phase: Phase }) {
  switch (phase.kind) {
    case "checking":
      return <StatusBadge status="uploading" />;
    case "checked":
      return <StatusBadge status={phase.report.status} />;
    case "uploading":
      return <StatusBadge status="uploading" />;
    case "importing":
      return null;
    case "error":
      // A file the client or the server turned down (4xx) is refused; anything else failed.
      return <StatusBadge status={phase.status == null || phase.status < 500 ? "refused" : "failed"} />;
  }
}

function Bar({ label, done, total, state }: { label: string; done: number; total: number | null; state?: string }) {
  const pct = total ? Math.min(100, (100 * done) / total) : 0;
  return (
    <div style={{ margin: "4px 0 10px" }}>
      <div className="row dim" style={{ fontSize: 12, marginBottom: 4 }}>
        <span>{label}</span>
        <span style={{ flex: 1 }} />
        <span className="num">{total ? `${pct.toFixed(0)}%` : ""}</span>
      </div>
      <div
        className={`progress ${state ?? ""} ${total ? "" : "indeterminate"}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={total ? Math.round(pct) : undefined}
      >
        <div style={{ width: `${total ? pct : 100}%` }} />
      </div>
    </div>
  );
}

/** The background job: progress from the event stream, final state from the job itself. */
function JobTracker({ accepted }: { accepted: UploadAccepted }) {
  const jobId = accepted.job_id;
  const { progress, finished } = useJobEvents(jobId);
  const job = useJob(jobId, finished != null);
  const current = job.data ?? accepted.job;
  const status = current.status;
  const done = status === "succeeded" || status === "failed";
  const rowsDone = progress?.done ?? current.progress_done;
  const rowsTotal = progress?.total ?? current.progress_total;
  const report = (current.report ?? null) as ImportReport | null;
  const runIds = report?.run_ids ?? [];
  // The import was committed; the rebuild after it failed (the runs say so too).
  const rebuildFailed = status === "failed" && current.failed_phase === "rebuild";
  return (
    <div data-testid="job" data-job-status={status}>
      <div className="row" style={{ marginBottom: 6 }}>
        <StatusBadge status={status} />
        {accepted.duplicate_of != null && (
          <span className="badge warn">already imported (import #{accepted.duplicate_of})</span>
        )}
        {!done && rowsTotal != null && (
          <span className="dim num">
            {fmtInt(rowsDone)} / {fmtInt(rowsTotal)} rows
          </span>
        )}
        {current.import_id != null && <Link to={`/imports/${current.import_id}`}>Import details</Link>}
        {(status === "succeeded" || rebuildFailed) &&
          runIds.map((runId) => (
            <Link key={runId} to={`/runs/${encodeURIComponent(runId)}`}>
              Dashboard
              {runIds.length > 1 && (
                <>
                  {" "}
                  (<RunLabel runId={runId} />)
                </>
              )}{" "}
              →
            </Link>
          ))}
      </div>
      {!done && (
        <Bar
          label={status === "queued" ? "Queued" : "Importing"}
          done={rowsDone}
          total={rowsTotal ?? null}
          state={status}
        />
      )}
      {status === "failed" && (
        <div className="state error" role="alert" style={{ padding: 8, textAlign: "left" }}>
          {rebuildFailed
            ? `The import succeeded, but the trades could not be rebuilt: ${withoutInternalNames((current.error ?? "no reason given").replace(/^rebuild failed: /, ""), current.file_name ?? undefined)}`
            : current.error
              ? withoutInternalNames(current.error, current.file_name ?? undefined)
              : "the import failed"}
        </div>
      )}
      {(status === "succeeded" || rebuildFailed) && report && <ImportReportView report={report} compact />}
    </div>
  );
}

function ErrorBox({ message, needsKey, retry }: { message: string; needsKey: boolean; retry: () => void }) {
  const [key, setKey] = useState("");
  return (
    <div className="state error" role="alert" style={{ padding: 8, textAlign: "left" }}>
      <div>{message}</div>
      {needsKey && (
        <form
          className="row"
          style={{ marginTop: 8 }}
          onSubmit={(e) => {
            e.preventDefault();
            storeApiKey(key.trim() || null);
            retry();
          }}
        >
          <label className="field">
            API key (X-API-Key)
            <input type="password" value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" />
          </label>
          <button type="submit" style={{ alignSelf: "flex-end" }}>
            Save and retry
          </button>
        </form>
      )}
    </div>
  );
}

function errorPhase(err: unknown): Extract<Phase, { kind: "error" }> {
  if (err instanceof ApiError) return { kind: "error", message: err.message, status: err.status };
  return { kind: "error", message: err instanceof Error ? err.message : String(err), status: null };
}
