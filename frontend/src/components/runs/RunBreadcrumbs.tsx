import { Link } from "react-router-dom";
import { RunName } from "./RunName";

interface BreadcrumbRun {
  strategy_id: string;
  strategy_name?: string | null;
  name?: string | null;
}

/** Runs / strategy / run / page, for a page that lists one part of a run; the strategy
 * appears once the run has loaded. */
export function RunBreadcrumbs({ runId, run, page }: { runId: string; run: BreadcrumbRun | undefined; page: string }) {
  return (
    <div className="breadcrumbs">
      <Link to="/runs">Runs</Link> <span>/</span>
      {run && (
        <>
          <Link to={`/runs?strategy=${encodeURIComponent(run.strategy_id)}`}>
            {run.strategy_name ?? run.strategy_id}
          </Link>
          <span>/</span>
        </>
      )}
      <Link to={`/runs/${encodeURIComponent(runId)}`}>
        <RunName run={{ run_id: runId, name: run?.name ?? null }} copy={false} />
      </Link>
      <span>/</span> <span>{page}</span>
    </div>
  );
}
