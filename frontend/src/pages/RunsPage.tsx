import { useEffect } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { useRuns, useStrategies } from "../api/queries";
import { Empty, ErrorState, Loading } from "../components/common/States";
import { StatusBadge } from "../components/common/StatusBadge";
import { fmtDate, fmtInt, fmtMoney, fmtPct, fmtRatio, pnlClass } from "../format";

const MAX_PARAM_COLUMNS = 12;

/** Strategy -> runs: the runs of the chosen strategy side by side. */
export function RunsPage() {
  const strategies = useStrategies();
  const [params, setParams] = useSearchParams();
  const chosen = params.get("strategy");
  const first = strategies.data?.[0]?.strategy_id;

  // Remember a default choice in the URL so the page can be bookmarked as seen.
  useEffect(() => {
    if (!chosen && first) setParams({ strategy: first }, { replace: true });
  }, [chosen, first, setParams]);

  if (strategies.isPending) {
    return (
      <div className="page">
        <Loading rows={5} />
      </div>
    );
  }
  if (strategies.isError) {
    return (
      <div className="page">
        <ErrorState error={strategies.error} retry={() => void strategies.refetch()} />
      </div>
    );
  }
  if (strategies.data.length === 0) {
    return (
      <div className="page">
        <Empty title="No strategies yet">
          <Link to="/data">Import an export</Link> to see its runs here.
        </Empty>
      </div>
    );
  }
  return (
    <div className="page">
      <div className="page-head">
        <h1>Runs</h1>
        <span className="sub">Pick a strategy; its runs are compared side by side.</span>
      </div>
      <div style={{ display: "grid", gridTemplateColumns: "220px minmax(0, 1fr)", gap: 12 }}>
        <nav className="panel" aria-label="Strategies" style={{ padding: 6, alignSelf: "start" }}>
          {strategies.data.map((s) => {
            const active = s.strategy_id === chosen;
            return (
              <button
                key={s.strategy_id}
                type="button"
                className={active ? "" : "ghost"}
                aria-current={active ? "true" : undefined}
                onClick={() => setParams({ strategy: s.strategy_id })}
                style={{ width: "100%", justifyContent: "space-between", border: active ? undefined : "1px solid transparent" }}
              >
                <span style={{ overflow: "hidden", textOverflow: "ellipsis" }}>{s.name ?? s.strategy_id}</span>
                <span className="faint num">{fmtInt(s.run_count)}</span>
              </button>
            );
          })}
        </nav>
        {chosen ? <RunsOfStrategy strategyId={chosen} /> : <Loading />}
      </div>
    </div>
  );
}

function RunsOfStrategy({ strategyId }: { strategyId: string }) {
  const runs = useRuns(strategyId);
  const navigate = useNavigate();
  if (runs.isPending) return <Loading rows={4} />;
  if (runs.isError) return <ErrorState error={runs.error} retry={() => void runs.refetch()} />;
  const items = runs.data.items;
  if (items.length === 0) return <Empty title="This strategy has no runs" />;

  const paramKeys = [...new Set(items.flatMap((r) => Object.keys(r.parameters ?? {})))].sort();
  const differs = (k: string) => new Set(items.map((r) => JSON.stringify(r.parameters?.[k] ?? null))).size > 1;
  // Parameters that differ between runs come first: they explain the difference in results.
  const shownKeys = [...paramKeys.filter(differs), ...paramKeys.filter((k) => !differs(k))].slice(0, MAX_PARAM_COLUMNS);

  return (
    <section aria-label={`Runs of ${strategyId}`}>
      <div className="table-wrap">
        <table className="data" data-testid="runs-table">
          <thead>
            <tr>
              <th>Run</th>
              <th>Mode</th>
              <th>Status</th>
              <th>Period (UTC)</th>
              <th className="r">Trades</th>
              <th className="r">Net profit</th>
              <th className="r">Profit factor</th>
              <th className="r">Win %</th>
              <th className="r">Max drawdown</th>
              {shownKeys.map((k) => (
                <th key={k} className="r" title={differs(k) ? "differs between runs" : "same in every run"}>
                  <span style={{ color: differs(k) ? "var(--accent)" : undefined }}>{k}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((r) => {
              const s = r.summary;
              const href = `/runs/${encodeURIComponent(r.run_id)}`;
              return (
                <tr
                  key={r.run_id}
                  className="clickable"
                  data-testid="run-row"
                  onClick={(e) => {
                    if (!(e.target instanceof HTMLAnchorElement)) navigate(href);
                  }}
                >
                  <td>
                    <Link to={href} className="mono">
                      {r.run_id.length > 18 ? `${r.run_id.slice(0, 16)}…` : r.run_id}
                    </Link>
                    {r.account_id && <div className="faint" style={{ fontSize: 11 }}>{r.account_id}</div>}
                  </td>
                  <td className="dim">{r.mode ?? "—"}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td className="num dim">
                    {fmtDate(r.first_data_time)} → {fmtDate(r.last_data_time)}
                  </td>
                  <td className="r num">{fmtInt(s?.total_trades ?? r.counts.trades)}</td>
                  <td className={`r num ${pnlClass(s?.net_profit)}`}>{fmtMoney(s?.net_profit)}</td>
                  <td className="r num">{fmtRatio(s?.profit_factor)}</td>
                  <td className="r num">{fmtPct(s?.percent_profitable)}</td>
                  <td className="r num down">{fmtMoney(s?.max_drawdown)}</td>
                  {shownKeys.map((k) => (
                    <td key={k} className="r num">
                      {formatParam(r.parameters?.[k])}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {paramKeys.length > shownKeys.length && (
        <p className="faint">
          {paramKeys.length - shownKeys.length} more parameters are the same in every run (see each run's dashboard).
        </p>
      )}
    </section>
  );
}

export function formatParam(v: unknown): string {
  if (v == null) return "—";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
