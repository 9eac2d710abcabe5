import { useQueries } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { useCompare } from "../api/analytics";
import { useRun } from "../api/queries";
import { CompareChart, RUN_COLORS } from "../components/analysis/CompareChart";
import { diffRow } from "../components/analysis/diff";
import { formatSummary, statNumber, SUMMARY_GROUPS } from "../components/analysis/summaryGroups";
import { Empty, ErrorState, Loading } from "../components/common/States";
import { runDisplayName } from "../components/runs/RunName";
import { pnlClass } from "../format";
import { MAX_COMPARE, MIN_COMPARE } from "./RunsPage";

// Comparisons are across runs that may trade different instruments: in currency only.
const NO_BASIS = { pointValue: null, tickSize: null, decimals: 2 };

function RunHead({ runId, index }: { runId: string; index: number }) {
  const run = useRun(runId);
  return (
    <th className="r" data-testid="compare-run">
      <i className="swatch" style={{ background: RUN_COLORS[index % RUN_COLORS.length] }} />{" "}
      <Link to={`/runs/${encodeURIComponent(runId)}`} title={runId}>
        {runDisplayName({ run_id: runId, name: run.data?.name ?? null })}
      </Link>
      {run.data && <div className="faint">{run.data.strategy_name ?? run.data.strategy_id}</div>}
    </th>
  );
}

/** 2-6 runs side by side: every statistic (differences from the first run marked, the best
 * value in bold) and their equity and drawdown curves on one time axis. */
export default function ComparePage() {
  const [params] = useSearchParams();
  const ids = [...new Set(params.getAll("run_id"))];
  const ok = ids.length >= MIN_COMPARE && ids.length <= MAX_COMPARE;
  const compare = useCompare(ok ? ids : []);
  const names = useRunNames(ids);
  return (
    <div className="page" data-testid="compare-page">
      <div className="breadcrumbs">
        <Link to="/runs">Runs</Link> <span>/</span> <span>Compare</span>
      </div>
      <div className="page-head">
        <h1>Compare runs</h1>
        <span className="sub">Values that differ from the first run are shaded; the best of a row is bold.</span>
      </div>
      {!ok ? (
        <Empty title={`Pick ${MIN_COMPARE} to ${MAX_COMPARE} runs`}>
          <Link to="/runs">Tick them in the runs list</Link>; this address names {ids.length}.
        </Empty>
      ) : compare.isPending ? (
        <Loading rows={8} />
      ) : compare.isError ? (
        <ErrorState error={compare.error} retry={() => void compare.refetch()} />
      ) : (
        <>
          <section className="panel" aria-labelledby="curves-title">
            <h2 id="curves-title">Equity and drawdown</h2>
            <CompareChart runs={compare.data} names={names} />
          </section>
          <section className="panel" style={{ marginTop: 12 }} aria-labelledby="cmp-stats-title">
            <h2 id="cmp-stats-title">Statistics</h2>
            <div className="table-wrap">
              <table className="data stats-summary" data-testid="compare-table">
                <thead>
                  <tr>
                    <th>Statistic</th>
                    {ids.map((id, i) => (
                      <RunHead key={id} runId={id} index={i} />
                    ))}
                  </tr>
                </thead>
                {SUMMARY_GROUPS.map((g) => (
                  <tbody key={g.title}>
                    <tr className="group-row">
                      <th colSpan={ids.length + 1} scope="colgroup">
                        {g.title}
                      </th>
                    </tr>
                    {g.stats.map((s) => {
                      const cells = diffRow(
                        compare.data.map((r) => statNumber(r.statistics as Record<string, unknown> | null, s.key)),
                        s.better ?? "none",
                      );
                      return (
                        <tr key={s.key} data-stat={s.key}>
                          <td className="dim">{s.label}</td>
                          {cells.map((c, i) => (
                            <td
                              key={i}
                              className={`r num ${s.signed ? pnlClass(c.value) : ""} ${c.differs ? "diff" : ""} ${c.best ? "best" : ""}`}
                              data-differs={c.differs || undefined}
                            >
                              {formatSummary(s.kind, c.value, "currency", NO_BASIS)}
                            </td>
                          ))}
                        </tr>
                      );
                    })}
                  </tbody>
                ))}
              </table>
            </div>
          </section>
        </>
      )}
    </div>
  );
}

/** The runs' display names: their names once loaded (the same cache as each run's page). */
function useRunNames(ids: readonly string[]): string[] {
  const runs = useQueries({
    queries: ids.map((id) => ({
      queryKey: ["run", id, "detail"],
      queryFn: () => unwrap(api.GET("/api/runs/{run_id}", { params: { path: { run_id: id } } })),
    })),
  });
  return ids.map((id, i) => runDisplayName({ run_id: id, name: runs[i]?.data?.name ?? null }));
}
