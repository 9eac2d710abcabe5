import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { useExcursions } from "../api/management";
import { useEquity, usePnlDistribution, useRun, useRuns, useRunStats, useTrades } from "../api/queries";
import { ExcursionScatter } from "../components/charts/ExcursionScatter";
import { EquityChart } from "../components/charts/EquityChart";
import { PnlHistogram } from "../components/charts/PnlHistogram";
import { Empty, ErrorState, Loading } from "../components/common/States";
import { StatusBadge } from "../components/common/StatusBadge";
import { AnalysisFailedBanner } from "../components/runs/AnalysisFailed";
import { PointValueWarning } from "../components/instruments/PointValueWarning";
import { ReconciliationBadge } from "../components/dashboard/ReconciliationBadge";
import { StatsSummary, SubsetPicker, type SubsetChoice } from "../components/analysis/StatsSummary";
import { UnitSwitch } from "../components/analysis/UnitSwitch";
import { MonteCarloPanel } from "../components/analysis/MonteCarloPanel";
import { ExecutionQualityPanel } from "../components/orders/ExecutionQualityPanel";
import { RunQualityBadge } from "../components/quality/QualityBadge";
import { RunDetailsPanel } from "../components/runs/RunDetailsPanel";
import { RunImportsPanel } from "../components/runs/RunImportsPanel";
import { RunName } from "../components/runs/RunName";
import { RunPicker } from "../components/runs/RunPicker";
import { TagList } from "../components/common/Tags";
import { formatParam } from "./RunsPage";
import { TradesTable } from "../components/trades/TradesTable";
import { useMoneyDisplay } from "../components/trades/useMoneyDisplay";
import { fmtDate, fmtInt, fmtMoney, fmtPct, fmtRatio, pnlClass } from "../format";
import { plural } from "../text";

export default function DashboardPage() {
  const runId = useParams().runId ?? "";
  const run = useRun(runId);
  const strategyRuns = useRuns(run.data?.strategy_id ?? null);
  if (run.isPending) {
    return (
      <div className="page">
        <Loading rows={8} />
      </div>
    );
  }
  if (run.isError) {
    return (
      <div className="page">
        <ErrorState error={run.error} retry={() => void run.refetch()} />
      </div>
    );
  }
  const r = run.data;
  const params = Object.entries(r.parameters ?? {});
  const runTags = [...new Set((strategyRuns.data?.items ?? []).flatMap((x) => x.tags))].sort();
  return (
    <div className="page" data-testid="dashboard">
      <div className="breadcrumbs">
        <Link to="/runs">Runs</Link> <span>/</span>
        <Link to={`/runs?strategy=${encodeURIComponent(r.strategy_id)}`}>{r.strategy_name ?? r.strategy_id}</Link>
        <span>/</span> <RunName run={r} copy={false} />
      </div>
      <div className="page-head">
        <h1>{r.strategy_name ?? r.strategy_id}</h1>
        <span className="run-title">
          <RunName run={r} />
        </span>
        <TagList tags={r.tags} />
        {r.strategy_version && <span className="dim">v{r.strategy_version}</span>}
        {r.mode && <span className="badge">{r.mode}</span>}
        <StatusBadge status={r.status} />
        <RunQualityBadge runId={r.run_id} />
        <span className="sub num">
          {fmtDate(r.first_data_time)} → {fmtDate(r.last_data_time)}
        </span>
        <span style={{ flex: 1 }} />
        <Link to={`/runs/${encodeURIComponent(r.run_id)}/orders`} data-testid="to-orders">
          Orders →
        </Link>
        <RunPicker strategyId={r.strategy_id} runId={r.run_id} />
      </div>
      <AnalysisFailedBanner run={r} />
      <PointValueWarning symbols={r.point_value_missing} />
      <RunBody
        runId={r.run_id}
        symbols={r.symbols}
        accounts={r.accounts}
        tradeCount={r.counts.trades}
        analysisFailed={r.analysis_status === "failed"}
      />
      {r.counts.orders > 0 || r.counts.executions > 0 ? <ExecutionQualityPanel runId={r.run_id} symbols={r.symbols} /> : null}
      <div className="grid-2" style={{ marginTop: 12 }}>
        <section className="panel" aria-labelledby="params-title">
          <h2 id="params-title">Parameters</h2>
          {params.length === 0 ? (
            <span className="faint">No parameters in the export.</span>
          ) : (
            <dl className="kv">
              {params.map(([k, v]) => (
                <div key={k} style={{ display: "contents" }}>
                  <dt>{k}</dt>
                  <dd className="mono">{formatParam(v)}</dd>
                </div>
              ))}
            </dl>
          )}
        </section>
        <RunDetailsPanel run={r} tagSuggestions={runTags} />
      </div>
      <div style={{ marginTop: 12 }}>
        <RunImportsPanel runId={r.run_id} />
      </div>
    </div>
  );
}

function RunBody({
  runId,
  symbols,
  accounts,
  tradeCount,
  analysisFailed,
}: {
  runId: string;
  symbols: readonly string[];
  accounts: readonly string[];
  tradeCount: number;
  analysisFailed: boolean;
}) {
  const stats = useRunStats(runId);
  const [choice, setChoice] = useState<SubsetChoice>({ symbol: "", account: "" });
  if (stats.isPending) return <Loading rows={6} />;
  if (stats.isError) return <ErrorState error={stats.error} retry={() => void stats.refetch()} />;
  const s = stats.data.statistics;
  if (!s && analysisFailed) {
    return <Empty title="No statistics: the rebuild of this run failed">The reason is above.</Empty>;
  }
  if (!s) {
    return (
      <Empty title={tradeCount ? "Statistics are being built" : "No trades in this run"}>
        {tradeCount ? "They appear here when the rebuild finishes." : "The run has no executions that form a trade yet."}
      </Empty>
    );
  }
  return (
    <>
      <div className="kpis">
        <Kpi label="Net profit" value={fmtMoney(s.net_profit)} cls={pnlClass(s.net_profit)} testId="kpi-net-profit" />
        {/* Statistics count closed trades: the link opens exactly those. */}
        <Link
          className="kpi kpi-link"
          to={`/runs/${encodeURIComponent(runId)}/trades?status=CLOSED`}
          data-testid="kpi-trades"
        >
          <div className="label">Closed trades →</div>
          <div className="value">{fmtInt(s.total_trades)}</div>
          {s.open_trades ? <div className="faint">+{fmtInt(s.open_trades)} open</div> : null}
        </Link>
        <Kpi label="Win rate" value={fmtPct(s.percent_profitable)} />
        <Kpi label="Profit factor" value={fmtRatio(s.profit_factor)} />
        <Kpi label="Max drawdown" value={fmtMoney(s.max_drawdown)} cls={pnlClass(s.max_drawdown)} />
        <Kpi label="Avg trade" value={fmtMoney(s.avg_trade)} cls={pnlClass(s.avg_trade)} />
        <div className="kpi">
          <div className="label">Reconciliation</div>
          <div style={{ marginTop: 5 }}>
            <ReconciliationBadge data={s.reconciliation} />
          </div>
        </div>
      </div>
      <div className="grid-2" style={{ gridTemplateColumns: "minmax(0, 3fr) minmax(0, 2fr)" }}>
        <section className="panel" aria-labelledby="equity-title">
          <h2 id="equity-title">Equity and drawdown</h2>
          <EquityPanel runId={runId} />
        </section>
        <section className="panel" aria-labelledby="dist-title">
          <h2 id="dist-title">Net PnL distribution</h2>
          <DistributionPanel runId={runId} />
        </section>
      </div>
      <section className="panel" style={{ marginTop: 12 }} aria-labelledby="summary-title">
        <div className="row panel-head">
          <h2 id="summary-title">Summary</h2>
          <SubsetPicker symbols={symbols} accounts={accounts} value={choice} onChange={setChoice} />
          <span style={{ flex: 1 }} />
          <Link to={`/runs/${encodeURIComponent(runId)}/periods`} data-testid="periods-link">
            Periods and calendar →
          </Link>
          <UnitSwitch />
        </div>
        <StatsSummary runId={runId} runSymbols={symbols} choice={choice} />
      </section>
      <MonteCarloPanel runId={runId} />
      <ExcursionPanels runId={runId} />
      <OpenTrades runId={runId} />
    </>
  );
}

function Kpi({ label, value, cls = "", testId }: { label: string; value: string; cls?: string; testId?: string }) {
  return (
    <div className="kpi" data-testid={testId}>
      <div className="label">{label}</div>
      <div className={`value ${cls}`}>{value}</div>
    </div>
  );
}

function EquityPanel({ runId }: { runId: string }) {
  const equity = useEquity(runId);
  if (equity.isPending) return <Loading rows={5} />;
  if (equity.isError) return <ErrorState error={equity.error} retry={() => void equity.refetch()} />;
  if (equity.data.points.length < 2) return <Empty title="No closed trades yet" />;
  return <EquityChart points={equity.data.points} />;
}

function DistributionPanel({ runId }: { runId: string }) {
  const dist = usePnlDistribution(runId);
  if (dist.isPending) return <Loading rows={4} />;
  if (dist.isError) return <ErrorState error={dist.error} retry={() => void dist.refetch()} />;
  if (dist.data.buckets.length === 0) return <Empty title="No closed trades yet" />;
  return (
    <>
      <PnlHistogram buckets={dist.data.buckets} height={300} />
      <div className="chart-legend">
        <span>{plural(dist.data.trades, "closed trade")}</span>
      </div>
    </>
  );
}

function ExcursionPanels({ runId }: { runId: string }) {
  const excursions = useExcursions(runId);
  return (
    <section className="panel" style={{ marginTop: 12 }} aria-labelledby="exc-title">
      <h2 id="exc-title">MAE / MFE</h2>
      {excursions.isPending ? (
        <Loading rows={4} />
      ) : excursions.isError ? (
        <ErrorState error={excursions.error} retry={() => void excursions.refetch()} />
      ) : excursions.data.trades === 0 ? (
        <Empty title="No closed trades yet" />
      ) : (
        <>
          <div className="grid-2">
            <ExcursionScatter series={excursions.data.mae} axis="mae" />
            <ExcursionScatter series={excursions.data.mfe} axis="mfe" />
          </div>
          <p className="faint">
            All {plural(excursions.data.trades, "closed trade")}
            {Math.max(excursions.data.mae.points.length, excursions.data.mfe.points.length) <
              Math.max(excursions.data.mae.total, excursions.data.mfe.total) &&
              "; where points would overlap one stands for them, and the extremes are always drawn"}
            . Click a point to open its trade.
          </p>
        </>
      )}
    </section>
  );
}

function OpenTrades({ runId }: { runId: string }) {
  const open = useTrades({ run_id: runId, status: "OPEN", sort: "entry_time", limit: 50 });
  const display = useMoneyDisplay();
  return (
    <section className="panel" style={{ marginTop: 12 }} aria-labelledby="open-title">
      <h2 id="open-title">Open trades</h2>
      {open.isPending ? (
        <Loading rows={2} />
      ) : open.isError ? (
        <ErrorState error={open.error} retry={() => void open.refetch()} />
      ) : open.data.items.length === 0 ? (
        <span className="faint">No open position at the end of the data.</span>
      ) : (
        <TradesTable trades={open.data.items} label="Open trades" display={display} />
      )}
    </section>
  );
}
