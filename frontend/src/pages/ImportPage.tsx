import { Link, useParams } from "react-router-dom";
import { useImport } from "../api/queries";
import type { ImportReport } from "../api/types";
import { ErrorState, Loading } from "../components/common/States";
import { importDuration } from "../components/data/ImportHistoryTable";
import { ImportReportView } from "../components/data/ImportReportView";
import { StreamSessionBatches } from "../components/data/StreamSessionBatches";
import { RunLabel } from "../components/runs/RunName";
import { fmtDuration, fmtInt, fmtTime } from "../format";
import { plural } from "../text";

export function ImportPage() {
  const importId = Number(useParams().importId);
  if (!Number.isInteger(importId) || importId <= 0) {
    return (
      <div className="page">
        <ErrorState error="This is not an import id." />
      </div>
    );
  }
  return <ImportDetailView importId={importId} />;
}

function ImportDetailView({ importId }: { importId: number }) {
  const imp = useImport(importId);
  return (
    <div className="page">
      <div className="breadcrumbs">
        <Link to="/data">Data</Link> <span>/</span> <span>Import #{importId}</span>
      </div>
      {imp.isPending ? (
        <Loading rows={6} />
      ) : imp.isError ? (
        <ErrorState error={imp.error} retry={() => void imp.refetch()} back={{ to: "/data", label: "Back to the import history" }} />
      ) : (
        <>
          <div className="page-head">
            <h1>{importTitle(imp.data)}</h1>
            <span className="sub num">{fmtTime(imp.data.created_at)} UTC</span>
          </div>
          <div className="grid-2" style={{ gridTemplateColumns: "minmax(0, 1fr) minmax(0, 2fr)" }}>
            <section className="panel" aria-label="Import">
              <dl className="kv">
                <dt>Source</dt>
                <dd>{imp.data.source}</dd>
                <dt>Finished</dt>
                <dd className="num">{fmtTime(imp.data.finished_at)}</dd>
                <dt>Duration</dt>
                <dd className="num">{fmtDuration(importDuration(imp.data))}</dd>
                <dt>SHA-256</dt>
                <dd className="mono" style={{ wordBreak: "break-all" }}>
                  {imp.data.sha256 ?? "—"}
                </dd>
                <dt>Job</dt>
                <dd className="mono">{imp.data.job_id ?? "—"}</dd>
                {imp.data.kind === "stream_session" && (
                  <>
                    <dt>Batches</dt>
                    <dd className="num">{fmtInt(imp.data.batch_count ?? 0)}</dd>
                    <dt>Last batch</dt>
                    <dd className="num">{fmtTime(imp.data.last_batch_at)}</dd>
                  </>
                )}
                {imp.data.session_id != null && (
                  <>
                    <dt>Session</dt>
                    <dd>
                      <Link to={`/imports/${imp.data.session_id}`}>stream session #{imp.data.session_id}</Link>
                    </dd>
                  </>
                )}
                <dt>Strategy</dt>
                <dd className="mono">{imp.data.strategy_id ?? "—"}</dd>
                <dt>Runs</dt>
                <dd>
                  {imp.data.run_ids.length === 0
                    ? "—"
                    : imp.data.run_ids.map((r) => (
                        <div key={r}>
                          <Link to={`/runs/${encodeURIComponent(r)}`}>
                            <RunLabel runId={r} />
                          </Link>
                        </div>
                      ))}
                </dd>
              </dl>
            </section>
            <section className="panel" aria-label="Report">
              <ImportReportView report={toReport(imp.data)} />
              {(imp.data.rejected_total > imp.data.rejected.length ||
                imp.data.conflicts_total > imp.data.conflicts.length) && (
                <p className="faint">
                  Showing {fmtInt(imp.data.rejected.length)} of {plural(imp.data.rejected_total, "rejected record")} and{" "}
                  {fmtInt(imp.data.conflicts.length)} of {plural(imp.data.conflicts_total, "conflict")}.
                </p>
              )}
            </section>
          </div>
          {imp.data.kind === "stream_session" && <StreamSessionBatches sessionId={importId} />}
        </>
      )}
    </div>
  );
}

type ImportDetailData = NonNullable<ReturnType<typeof useImport>["data"]>;

function importTitle(d: ImportDetailData): string {
  if (d.kind === "stream_session") return `Stream session of run ${d.run_id ?? "(market data)"}`;
  if (d.kind === "stream_batch") return `Stream batch #${d.import_id}`;
  return d.file_name ?? `Import #${d.import_id}`;
}

function toReport(d: ImportDetailData): ImportReport {
  return {
    import_id: d.import_id,
    status: d.status,
    source: d.source,
    file_name: d.file_name,
    sha256: d.sha256,
    size_bytes: d.size_bytes,
    schema_version: d.schema_version,
    run_ids: d.run_ids,
    counts: d.counts,
    rejected: d.rejected,
    conflicts: d.conflicts,
    error: d.error,
    duration_seconds: d.duration_seconds ?? 0,
    duplicate_of: null,
  };
}
