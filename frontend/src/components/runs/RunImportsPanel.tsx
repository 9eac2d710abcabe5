import { Link } from "react-router-dom";
import { useRunImports } from "../../api/management";
import { fmtInt, fmtTime } from "../../format";
import { plural } from "../../text";
import { ErrorState, Loading } from "../common/States";
import { StatusBadge } from "../common/StatusBadge";

const SHOWN = 5;

/** The imports that wrote the run's data (newest first) and the records they rejected. */
export function RunImportsPanel({ runId }: { runId: string }) {
  const imports = useRunImports(runId, SHOWN);
  return (
    <section className="panel" aria-labelledby="imports-title" data-testid="run-imports">
      <h2 id="imports-title">Imports</h2>
      {imports.isPending ? (
        <Loading rows={2} />
      ) : imports.isError ? (
        <ErrorState error={imports.error} retry={() => void imports.refetch()} />
      ) : imports.data.total === 0 ? (
        <span className="faint">No import history names this run.</span>
      ) : (
        <>
          <p className={imports.data.rejected_total ? "down" : "dim"} data-testid="run-rejected" style={{ margin: "0 0 8px" }}>
            {imports.data.rejected_total
              ? `${plural(imports.data.rejected_total, "record")} of this run's ${plural(imports.data.total, "import")} ${imports.data.rejected_total === 1 ? "was" : "were"} rejected: the run lacks them. Each import lists them with the reason.`
              : `No record of this run's ${plural(imports.data.total, "import")} was rejected.`}
          </p>
          <div className="table-wrap">
            <table className="data compact" aria-label="Imports of this run">
              <thead>
                <tr>
                  <th>Time (UTC)</th>
                  <th>File</th>
                  <th className="r">Rejected</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {imports.data.items.map((imp) => (
                  <tr key={imp.import_id}>
                    <td className="num">
                      <Link to={`/imports/${imp.import_id}`}>{fmtTime(imp.created_at)}</Link>
                    </td>
                    <td style={{ maxWidth: 240, overflow: "hidden", textOverflow: "ellipsis" }} title={imp.file_name ?? undefined}>
                      {imp.file_name ?? <span className="faint">{imp.source}</span>}
                    </td>
                    <td className={`r num ${imp.rejected_count ? "down" : "dim"}`}>{fmtInt(imp.rejected_count)}</td>
                    <td>
                      <StatusBadge status={imp.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {imports.data.total > imports.data.items.length && (
            <p className="faint" style={{ marginBottom: 0 }}>
              The latest {fmtInt(imports.data.items.length)} of {plural(imports.data.total, "import")}.
            </p>
          )}
        </>
      )}
    </section>
  );
}
