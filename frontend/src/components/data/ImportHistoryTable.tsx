import { Link } from "react-router-dom";
import type { ImportSummary, TableCounts } from "../../api/types";
import { fmtBytes, fmtDuration, fmtInt, fmtTime } from "../../format";
import { Empty } from "../common/States";
import { StatusBadge } from "../common/StatusBadge";
import { sumCounts } from "./ImportReportView";

/** The import history: newest first, each row links to the import's details (a stream
 * session's: its batches). `label` names the list: a session's batches use it too. */
export function ImportHistoryTable({
  imports,
  label = "Import history",
  empty = "Drop an export file above to import it.",
}: {
  imports: ImportSummary[];
  label?: string;
  empty?: string;
}) {
  if (imports.length === 0) {
    return <Empty title="No imports yet">{empty}</Empty>;
  }
  return (
    <div className="table-wrap">
      <table className="data" aria-label={label}>
        <thead>
          <tr>
            <th>Time (UTC)</th>
            <th>File</th>
            <th>Source</th>
            <th>Strategy</th>
            <th>Run</th>
            <th className="r">Records</th>
            <th className="r">New</th>
            <th className="r">Rejected</th>
            <th className="r">Conflicts</th>
            <th>Status</th>
            <th className="r">Duration</th>
          </tr>
        </thead>
        <tbody>
          {imports.map((imp) => {
            const totals = sumCounts(Object.values(imp.counts ?? {}) as TableCounts[]);
            const records = totals.inserted + totals.updated + totals.unchanged + totals.rejected;
            return (
              <tr key={imp.import_id} data-testid="import-row" data-import-id={imp.import_id}>
                <td className="num">
                  <Link to={`/imports/${imp.import_id}`}>{fmtTime(imp.created_at)}</Link>
                </td>
                <td style={{ maxWidth: 320, overflow: "hidden", textOverflow: "ellipsis" }}>
                  <ImportWhat imp={imp} />
                </td>
                <td className="dim">{imp.source}</td>
                <td className="mono" title={imp.strategy_id ?? undefined}>
                  {imp.strategy_id ?? <span className="faint">—</span>}
                </td>
                <td className="mono" title={imp.run_id ?? undefined} style={{ maxWidth: 160, overflow: "hidden", textOverflow: "ellipsis" }}>
                  {imp.run_id ?? <span className="faint">—</span>}
                </td>
                <td className="r num">{fmtInt(records)}</td>
                <td className="r num">{fmtInt(totals.inserted)}</td>
                <td className={`r num ${imp.rejected_count ? "down" : "dim"}`}>{fmtInt(imp.rejected_count)}</td>
                <td className={`r num ${imp.conflict_count ? "down" : "dim"}`}>{fmtInt(imp.conflict_count)}</td>
                <td>
                  <StatusBadge status={imp.status} />
                </td>
                <td className="r num dim">{fmtDuration(importDuration(imp))}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** What was imported: a file with its size and short sha256 (three uploads of one name
 * differ there), a stream session with its batches, a batch with its number in the list. */
function ImportWhat({ imp }: { imp: ImportSummary }) {
  if (imp.kind === "stream_session") {
    return (
      <>
        <div>Stream session · {fmtInt(imp.batch_count ?? 0)} batches</div>
        <div className="dim num" style={{ fontSize: 12 }}>
          last batch {fmtTime(imp.last_batch_at)}
        </div>
      </>
    );
  }
  if (imp.kind === "stream_batch") {
    return <span className="dim">stream batch #{imp.import_id}</span>;
  }
  return (
    <>
      <div title={imp.file_name ?? undefined}>{imp.file_name ?? <span className="faint">—</span>}</div>
      {(imp.size_bytes != null || imp.sha256) && (
        <div className="dim num" style={{ fontSize: 12 }} title={imp.sha256 ?? undefined}>
          {fmtBytes(imp.size_bytes)}
          {imp.sha256 && <> · sha {imp.sha256.slice(0, 10)}</>}
        </div>
      )}
    </>
  );
}

/** The recorded duration, else the time from the record's creation to its end. */
export function importDuration(imp: ImportSummary): number | null {
  if (imp.duration_seconds) return imp.duration_seconds;
  if (!imp.finished_at) return imp.duration_seconds ?? null;
  return (Date.parse(imp.finished_at) - Date.parse(imp.created_at)) / 1000;
}
