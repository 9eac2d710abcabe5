import { useEffect } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { useRuns, useStrategies } from "../api/queries";
import { Empty, ErrorState, Loading } from "../components/common/States";
import { StatusBadge } from "../components/common/StatusBadge";
import { fmtDate, fmtInt, fmtMoney, fmtPct, fmtRatio, pnlClass } from "../format";

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
  // Parameters that differ between runs come first, highlighted: they explain the results.
  const ordered = [...paramKeys.filter(differs), ...paramKeys.filter((k) => !differs(k))];

  return (
    <section aria-label={`Runs of ${strategyId}`}>
      <div className="table-wrap">
        <table className="data" data-testid="runs-table">
          <thead>
            <tr>
              <th>Run</th>
              <th>Period (UTC)</th>
              <th className="r" title="Closed trades: what the statistics count">Closed trades</th>
              <th className="r">Net profit</th>
              <th className="r">Profit factor</th>
              <th className="r">Win %</th>
              <th className="r">Max drawdown</th>
              <th title="Parameters that differ between runs are highlighted">Parameters</th>
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
                    <Link to={href} className="mono" title={r.run_id}>
                      {r.run_id.length > 14 ? `${r.run_id.slice(0, 12)}…` : r.run_id}
                    </Link>
                    <div className="row" style={{ gap: 6, marginTop: 2, fontSize: 11 }}>
                      <StatusBadge status={r.status} />
                      {r.mode && <span className="dim">{r.mode}</span>}
                      {r.account_id && <span className="faint">{r.account_id}</span>}
                      {r.point_value_missing.length > 0 && (
                        <span
                          className="badge warn"
                          title={`No point value for ${r.point_value_missing.join(", ")}: PnL in points × quantity`}
                        >
                          no point value
                        </span>
                      )}
                    </div>
                  </td>
                  <td className="num dim">
                    {fmtDate(r.first_data_time)} → {fmtDate(r.last_data_time)}
                  </td>
                  <td className="r num">{s ? fmtInt(s.total_trades) : "—"}</td>
                  <td className={`r num ${pnlClass(s?.net_profit)}`}>{fmtMoney(s?.net_profit)}</td>
                  <td className="r num">{fmtRatio(s?.profit_factor)}</td>
                  <td className="r num">{fmtPct(s?.percent_profitable)}</td>
                  <td className="r num down">{fmtMoney(s?.max_drawdown)}</td>
                  <td style={{ whiteSpace: "normal", minWidth: 200 }}>
                    {ordered.length === 0 ? (
                      <span className="faint">—</span>
                    ) : (
                      <span className="params">
                        {ordered.map((k) => (
                          <span
                            key={k}
                            className="param"
                            style={differs(k) ? { borderColor: "var(--accent)", color: "var(--text)" } : undefined}
                          >
                            {k}={formatParam(r.parameters?.[k])}
                          </span>
                        ))}
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function formatParam(v: unknown): string {
  if (v == null) return "—";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
