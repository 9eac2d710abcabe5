import { Link } from "react-router-dom";
import type { ImportSummary, TableCounts } from "../../api/types";
import { fmtDuration, fmtInt, fmtTime } from "../../format";
import { Empty } from "../common/States";
import { StatusBadge } from "../common/StatusBadge";
import { sumCounts } from "./ImportReportView";

/** The import history: newest first, each row links to the import's details. */
export function ImportHistoryTable({ imports }: { imports: ImportSummary[] }) {
  if (imports.length === 0) {
    return <Empty title="No imports yet">Drop an export file above to import it.</Empty>;
  }
  return (
    <div className="table-wrap">
      <table className="data" aria-label="Import history">
        <thead>
          <tr>
            <th>Time (UTC)</th>
            <th>File</th>
            <th>Source</th>
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
                <td title={imp.file_name ?? undefined} style={{ maxWidth: 320, overflow: "hidden", textOverflow: "ellipsis" }}>
                  {imp.file_name ?? <span className="faint">—</span>}
                </td>
                <td className="dim">{imp.source}</td>
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

/** The recorded duration, else the time from the record's creation to its end. */
export function importDuration(imp: ImportSummary): number | null {
  if (imp.duration_seconds) return imp.duration_seconds;
  if (!imp.finished_at) return imp.duration_seconds ?? null;
  return (Date.parse(imp.finished_at) - Date.parse(imp.created_at)) / 1000;
}
