import { useEffect, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { useRuns, useStrategies } from "../api/queries";
import { Empty, ErrorState, Loading } from "../components/common/States";
import { CopyButton } from "../components/common/CopyButton";
import { StatusBadge } from "../components/common/StatusBadge";
import { VerdictBadge } from "../components/quality/QualityBadge";
import { AnalysisFailedNote, AnalysisFailedSummary } from "../components/runs/AnalysisFailed";
import { TagList } from "../components/common/Tags";
import { RunName } from "../components/runs/RunName";
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
      <div className="runs-layout">
        <nav className="panel strategies" aria-label="Strategies">
          {strategies.data.map((s) => {
            const active = s.strategy_id === chosen;
            return (
              <button
                key={s.strategy_id}
                type="button"
                className={active ? "" : "ghost"}
                aria-current={active ? "true" : undefined}
                onClick={() => setParams({ strategy: s.strategy_id })}
                style={{ justifyContent: "space-between", border: active ? undefined : "1px solid transparent" }}
              >
                <span style={{ overflow: "hidden", textOverflow: "ellipsis" }}>{s.name ?? s.strategy_id}</span>
                <span className="faint num">{fmtInt(s.run_count)}</span>
              </button>
            );
          })}
        </nav>
        {chosen ? (
          <RunsOfStrategy
            strategyId={chosen}
            tag={params.get("tag")}
            onTag={(tag) => setParams(tag ? { strategy: chosen, tag } : { strategy: chosen }, { replace: true })}
          />
        ) : (
          <Loading />
        )}
      </div>
    </div>
  );
}

function RunsOfStrategy({
  strategyId,
  tag,
  onTag,
}: {
  strategyId: string;
  tag: string | null;
  onTag: (tag: string | null) => void;
}) {
  const all = useRuns(strategyId);
  const runs = useRuns(strategyId, tag ?? undefined);
  const navigate = useNavigate();
  const [picked, setPicked] = useState<string[]>([]);
  if (runs.isPending) return <Loading rows={4} />;
  if (runs.isError) return <ErrorState error={runs.error} retry={() => void runs.refetch()} />;
  const items = runs.data.items;
  const tags = [...new Set((all.data?.items ?? []).flatMap((r) => r.tags))].sort();

  const paramKeys = [...new Set(items.flatMap((r) => Object.keys(r.parameters ?? {})))].sort();
  // Parameters that differ between runs come first, highlighted: they explain the results.
  const differing = new Set(paramKeys.filter((k) => parameterDiffers(items, k)));
  const ordered = [...paramKeys.filter((k) => differing.has(k)), ...paramKeys.filter((k) => !differing.has(k))];

  return (
    <section aria-label={`Runs of ${strategyId}`}>
      <AnalysisFailedSummary runs={items} />
      {(tags.length > 0 || tag) && (
        <div className="row" style={{ marginBottom: 8 }} role="group" aria-label="Filter runs by tag">
          <span className="dim">Tag</span>
          <div className="seg">
            <button type="button" aria-pressed={!tag} onClick={() => onTag(null)}>
              All
            </button>
            {(tag && !tags.includes(tag) ? [...tags, tag] : tags).map((t) => (
              <button key={t} type="button" aria-pressed={t === tag} onClick={() => onTag(t)}>
                {t}
              </button>
            ))}
          </div>
        </div>
      )}
      <CompareBar picked={picked} clear={() => setPicked([])} />
      {items.length === 0 ? (
        <Empty title={tag ? `No run of this strategy is tagged ${tag}` : "This strategy has no runs"} />
      ) : (
      <div className="table-wrap">
        <table className="data" data-testid="runs-table">
          <thead>
            <tr>
              <th title={`Pick ${MIN_COMPARE} to ${MAX_COMPARE} runs to compare`}>
                <span className="sr-only">Compare</span>
              </th>
              <th>Run</th>
              <th>Period (UTC)</th>
              <th className="r" title="Closed trades: what the statistics count">Closed trades</th>
              <th className="r">Net profit</th>
              <th className="r">Profit factor</th>
              <th className="r">Win %</th>
              <th className="r">Max drawdown</th>
              <th title="Parameters whose values differ between the runs that have them are highlighted">Parameters</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => {
              const s = r.summary;
              const href = `/runs/${encodeURIComponent(r.run_id)}`;
              const accounts = r.accounts.length ? r.accounts : r.account_id ? [r.account_id] : [];
              return (
                <tr
                  key={r.run_id}
                  className="clickable"
                  data-testid="run-row"
                  data-run-id={r.run_id}
                  onClick={(e) => {
                    if (!(e.target instanceof HTMLElement && e.target.closest("a, button"))) navigate(href);
                  }}
                >
                  <td>
                    <input
                      type="checkbox"
                      className="compare-pick"
                      aria-label={`Compare ${r.name ?? r.run_id}`}
                      data-testid="compare-pick"
                      checked={picked.includes(r.run_id)}
                      disabled={!picked.includes(r.run_id) && picked.length >= MAX_COMPARE}
                      onClick={(e) => e.stopPropagation()}
                      onChange={(e) =>
                        setPicked((p) => (e.target.checked ? [...p, r.run_id] : p.filter((id) => id !== r.run_id)))
                      }
                    />
                  </td>
                  <td>
                    <Link to={href} title={r.run_id}>
                      <RunName run={r} copy={false} />
                    </Link>
                    <CopyButton value={r.run_id} label="Copy run id" />
                    <div className="row" style={{ gap: 6, marginTop: 2, fontSize: 11 }}>
                      <StatusBadge status={r.status} />
                      <VerdictBadge runId={r.run_id} verdict={r.quality_verdict} />
                      {r.mode && <span className="dim">{r.mode}</span>}
                      {accounts.length > 0 && (
                        <span className="faint" title={accounts.join(", ")}>
                          {accounts.length > 2 ? `${accounts.slice(0, 2).join(", ")} +${accounts.length - 2}` : accounts.join(", ")}
                        </span>
                      )}
                      <TagList tags={r.tags} />
                      {r.point_value_missing.length > 0 && (
                        <span
                          className="badge warn"
                          title={`No point value for ${r.point_value_missing.join(", ")}: PnL in points × quantity`}
                        >
                          no point value
                        </span>
                      )}
                    </div>
                    <AnalysisFailedNote run={r} />
                  </td>
                  <td className="num dim period">
                    {fmtDate(r.first_data_time)}
                    <br />→ {fmtDate(r.last_data_time)}
                  </td>
                  <td className="r num">{s ? fmtInt(s.total_trades) : "—"}</td>
                  <td className={`r num ${pnlClass(s?.net_profit)}`}>{fmtMoney(s?.net_profit)}</td>
                  <td className="r num">{fmtRatio(s?.profit_factor)}</td>
                  <td className="r num">{fmtPct(s?.percent_profitable)}</td>
                  <td className="r num down">{fmtMoney(s?.max_drawdown)}</td>
                  <td style={{ whiteSpace: "normal", minWidth: 200 }}>
                    <RunParameters parameters={r.parameters} ordered={ordered} differing={differing} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      )}
    </section>
  );
}

export const MIN_COMPARE = 2;
export const MAX_COMPARE = 6;

/** The comparison's address: the runs in the order they were picked. */
export function comparePath(runIds: readonly string[]): string {
  const p = new URLSearchParams();
  for (const id of runIds) p.append("run_id", id);
  return `/compare?${p.toString()}`;
}

function CompareBar({ picked, clear }: { picked: readonly string[]; clear: () => void }) {
  const ready = picked.length >= MIN_COMPARE && picked.length <= MAX_COMPARE;
  return (
    <div className="row" style={{ marginBottom: 8 }}>
      {ready ? (
        <Link className="btn" to={comparePath(picked)} data-testid="compare-link">
          Compare {picked.length} runs
        </Link>
      ) : (
        <span className="faint" data-testid="compare-hint">
          {picked.length === 0
            ? `Tick ${MIN_COMPARE} to ${MAX_COMPARE} runs to compare them.`
            : `Tick at least one more run to compare.`}
        </span>
      )}
      {picked.length > 0 && (
        <button type="button" className="ghost" onClick={clear}>
          Clear
        </button>
      )}
    </div>
  );
}

/** The run's parameters in the table's order; those that differ between runs highlighted. */
function RunParameters({
  parameters,
  ordered,
  differing,
}: {
  parameters: Record<string, unknown> | null;
  ordered: readonly string[];
  differing: ReadonlySet<string>;
}) {
  const own = ordered.filter((k) => parameters != null && k in parameters);
  if (own.length === 0) return <span className="faint">—</span>;
  return (
    <span className="params">
      {own.map((k) => (
        <span key={k} className={differing.has(k) ? "param differs" : "param"}>
          {k}={formatParam(parameters?.[k])}
        </span>
      ))}
    </span>
  );
}

/** Whether the runs that have parameter `key` do not all give it the same value. */
export function parameterDiffers(runs: readonly { parameters: Record<string, unknown> | null }[], key: string): boolean {
  const values = new Set(
    runs.filter((r) => r.parameters != null && key in r.parameters).map((r) => JSON.stringify(r.parameters?.[key] ?? null)),
  );
  return values.size > 1;
}

export function formatParam(v: unknown): string {
  if (v == null) return "—";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
