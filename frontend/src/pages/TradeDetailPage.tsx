import { useEffect } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { useTradeNeighbours } from "../api/management";
import { useRun, useTrade } from "../api/queries";
import type { TradeDetail } from "../api/types";
import { executionRole } from "../components/charts/markers";
import { TradeChart } from "../components/charts/TradeChart";
import { Empty, ErrorState, Loading } from "../components/common/States";
import { RunName } from "../components/runs/RunName";
import { TradeNotesPanel } from "../components/trades/TradeNotesPanel";
import { instrumentEditorHref, PointValueWarning } from "../components/instruments/PointValueWarning";
import { ExcursionFigure, SplitFillQuantity } from "../components/trades/TradeFigures";
import { UnitSwitch } from "../components/analysis/UnitSwitch";
import { useDisplayUnit } from "../components/analysis/useDisplayUnit";
import { fmtUnit } from "../components/analysis/units";
import {
  DASH,
  fmtDuration,
  fmtEfficiency,
  fmtMoney,
  fmtPlain,
  fmtPrice,
  fmtQty,
  fmtTime,
  pnlClass,
} from "../format";
import { listSearch, tradeListContext } from "./tradeListParams";

/**
 * Previous and next in the list the trade was opened from (its filters and sort ride in the
 * URL); without one, the run's trades by entry time, as the trade's own answer gives them.
 */
function useListNeighbours(tradeId: string, detail: TradeDetail | undefined) {
  const [params] = useSearchParams();
  const search = listSearch(params);
  const fromList = tradeListContext(params);
  const inList = search !== "" && (Object.keys(fromList).length > 1 || fromList.sort !== "entry_time");
  const neighbours = useTradeNeighbours(tradeId, fromList, inList);
  const own = inList ? neighbours.data : detail;
  return { prev: own?.prev_trade_id ?? null, next: own?.next_trade_id ?? null, search };
}

export default function TradeDetailPage() {
  const tradeId = useParams().tradeId ?? "";
  const detail = useTrade(tradeId);
  const navigate = useNavigate();
  const { prev, next, search } = useListNeighbours(tradeId, detail.data);
  const run = useRun(detail.data?.trade.run_id ?? "", detail.isSuccess);
  const [unit] = useDisplayUnit();

  // [ and ] (or ← and → with Alt) step through the run's trades.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      const back = e.key === "[" || (e.altKey && e.key === "ArrowLeft");
      const fwd = e.key === "]" || (e.altKey && e.key === "ArrowRight");
      if (back && prev) navigate(`/trades/${encodeURIComponent(prev)}${search}`);
      if (fwd && next) navigate(`/trades/${encodeURIComponent(next)}${search}`);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [prev, next, search, navigate]);

  if (detail.isPending) {
    return (
      <div className="page">
        <Loading rows={10} />
      </div>
    );
  }
  if (detail.isError) {
    return (
      <div className="page">
        <ErrorState error={detail.error} retry={() => void detail.refetch()} back={{ to: "/runs", label: "Back to runs" }} />
      </div>
    );
  }
  const { trade, executions, lots, bars, tick_size: tickSize } = detail.data;
  // A symbol without an instrument row has no point value: its figures have no points.
  const basis = { pointValue: trade.point_value_missing ? null : detail.data.point_value, tickSize, decimals: trade.price_decimals };
  const money = (v: number | null) => fmtUnit(v, unit, basis);
  const decimals = trade.price_decimals;
  const roles = new Map(executions.map((e) => [e.execution_id, executionRole(trade, e.side)]));
  return (
    <div className="page" data-testid="trade-detail">
      <div className="breadcrumbs">
        <Link to="/runs">Runs</Link> <span>/</span>
        <Link to={`/runs/${encodeURIComponent(trade.run_id)}`}>
          <RunName run={{ run_id: trade.run_id, name: run.data?.name ?? null }} copy={false} />
        </Link>
        <span>/</span>
        <Link to={`/runs/${encodeURIComponent(trade.run_id)}/trades${search}`} data-testid="back-to-trades">
          Trades
        </Link>
        <span>/</span> <span className="mono">{trade.trade_id.slice(0, 12)}</span>
        <span>·</span>
        <Link to={`/runs/${encodeURIComponent(trade.run_id)}/orders`} data-testid="to-orders">
          Orders
        </Link>
      </div>
      <div className="page-head">
        <h1>
          {trade.symbol} <span className={trade.side === "LONG" ? "up" : "down"}>{trade.side}</span>{" "}
          <span className="num">{fmtQty(trade.quantity)}</span>
        </h1>
        {trade.status === "OPEN" && <span className="badge info">OPEN</span>}
        <span className={`num ${pnlClass(trade.pnl_net)}`} style={{ fontSize: 17, fontWeight: 600 }} data-testid="headline-pnl">
          {money(trade.pnl_net)}
        </span>
        <span className="sub num">
          {fmtTime(trade.entry_time)} → {fmtTime(trade.exit_time)} · {fmtDuration(trade.duration_seconds)}
        </span>
        <span style={{ flex: 1 }} />
        <UnitSwitch />
        <nav className="row" aria-label="Trade navigation">
          <button
            type="button"
            disabled={!prev}
            onClick={() => prev && navigate(`/trades/${encodeURIComponent(prev)}${search}`)}
            title="Previous trade ([)"
          >
            ‹ Previous
          </button>
          <button
            type="button"
            disabled={!next}
            onClick={() => next && navigate(`/trades/${encodeURIComponent(next)}${search}`)}
            title="Next trade (])"
          >
            Next ›
          </button>
        </nav>
      </div>
      <PointValueWarning symbols={trade.point_value_missing ? [trade.symbol] : []} />
      <div style={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr) 260px", gap: 12 }}>
        <section className="panel" aria-labelledby="chart-title">
          <h2 id="chart-title">
            <span className="keep-case">
              {detail.data.timeframe ? `${trade.symbol} · ${detail.data.timeframe}` : trade.symbol}
            </span>
            {detail.data.bars_truncated && <span className="faint"> · bar window capped</span>}
          </h2>
          {bars.length === 0 && (
            <p className="faint" style={{ margin: "0 0 6px" }}>
              No bars for this symbol: the fills are drawn on their own.
            </p>
          )}
          <TradeChart trade={trade} executions={executions} bars={bars} orders={detail.data.orders} />
        </section>
        <section className="panel" aria-label="Trade figures">
          <dl className="kv">
            <dt>Account</dt>
            <dd>{trade.account_id ?? DASH}</dd>
            <dt>Entry</dt>
            <dd className="num" data-testid="entry-price">
              {fmtPrice(trade.entry_price, decimals)}
            </dd>
            <dt>Exit</dt>
            <dd className="num" data-testid="exit-price">
              {fmtPrice(trade.exit_price, decimals)}
            </dd>
            <dt>Gross PnL</dt>
            <dd className={`num ${pnlClass(trade.pnl_gross)}`} data-testid="gross-pnl">{money(trade.pnl_gross)}</dd>
            <dt>Commission</dt>
            <dd className="num">{money(trade.commission)}</dd>
            <dt>Net PnL</dt>
            <dd className={`num ${pnlClass(trade.pnl_net)}`} data-testid="net-pnl">{money(trade.pnl_net)}</dd>
            <dt title="Worst running PnL of the position as it was held">MAE</dt>
            <dd className="num" data-testid="mae">
              <ExcursionFigure money={trade.mae} points={trade.mae_points} decimals={decimals} tickSize={tickSize} format={money} />
            </dd>
            <dt title="Best running PnL of the position as it was held">MFE</dt>
            <dd className="num" data-testid="mfe">
              <ExcursionFigure money={trade.mfe} points={trade.mfe_points} decimals={decimals} tickSize={tickSize} format={money} />
            </dd>
            <dt>ETD</dt>
            <dd className="num">{money(trade.etd)}</dd>
            <dt>Efficiency</dt>
            <dd className="num" title="Entry / exit / total, over the trade's bar range">
              {fmtEfficiency(trade.entry_efficiency)} / {fmtEfficiency(trade.exit_efficiency)} /{" "}
              {fmtEfficiency(trade.total_efficiency)}
            </dd>
            <dt>Signals</dt>
            <dd>
              {trade.entry_signal ?? DASH} → {trade.exit_signal ?? DASH}
            </dd>
            <dt>Point value</dt>
            <dd className="num">
              {trade.point_value_missing ? (
                <Link to={instrumentEditorHref(trade.symbol)} className="badge warn">
                  not set (1 used)
                </Link>
              ) : (
                fmtPlain(detail.data.point_value)
              )}
            </dd>
            <dt>Tick size</dt>
            <dd className="num">{tickSize == null ? DASH : fmtPrice(tickSize, decimals)}</dd>
            <dt>Bars</dt>
            <dd className="num">{bars.length}</dd>
          </dl>
        </section>
      </div>
      <div className="stack" style={{ marginTop: 12 }}>
        <TradeNotesPanel trade={trade} tagSuggestions={run.data?.trade_tags} />
        <section className="panel" aria-labelledby="fills-title">
          <h2 id="fills-title">Executions</h2>
          {executions.length === 0 ? (
            <Empty title="No executions" />
          ) : (
            <div className="table-wrap">
              <table className="data compact" data-testid="executions-table">
                <thead>
                  <tr>
                    <th>Time (UTC)</th>
                    <th>Role</th>
                    <th>Side</th>
                    <th className="r">Qty</th>
                    <th className="r">Price</th>
                    <th className="r">Fee</th>
                    <th>Signal</th>
                    <th>Type</th>
                    <th>Execution</th>
                    <th>Order</th>
                  </tr>
                </thead>
                <tbody>
                  {executions.map((e) => (
                    <tr key={e.execution_id}>
                      <td className="num">{fmtTime(e.exec_time)}</td>
                      <td className={roles.get(e.execution_id) === "entry" ? "" : "dim"}>{roles.get(e.execution_id)}</td>
                      <td className={e.side === "BUY" ? "up" : "down"}>{e.side}</td>
                      <td className="r num">
                        <SplitFillQuantity part={e.trade_quantity} whole={e.quantity} />
                      </td>
                      <td className="r num">{fmtPrice(e.price, decimals)}</td>
                      <td className="r num" title={e.trade_fee === e.fee ? undefined : `pro rata of ${fmtMoney(e.fee)}`}>
                        {fmtMoney(e.trade_fee)}
                      </td>
                      <td>{e.signal ?? DASH}</td>
                      <td className="dim">{e.order_type ?? DASH}</td>
                      <td className="mono">{e.execution_id}</td>
                      <td className="mono">
                        <Link
                          to={`/runs/${encodeURIComponent(trade.run_id)}/orders?order=${encodeURIComponent(e.order_id)}`}
                          title="The order on the run's orders"
                        >
                          {e.order_id}
                        </Link>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        {detail.data.orders && detail.data.orders.length > 0 && (
          <section className="panel" aria-labelledby="unfilled-title">
            <h2 id="unfilled-title">Orders not filled</h2>
            <div className="table-wrap">
              <table className="data compact" data-testid="unfilled-orders-table">
                <thead>
                  <tr>
                    <th>Submitted (UTC)</th>
                    <th>Side</th>
                    <th>Type</th>
                    <th className="r">Qty</th>
                    <th className="r">Price</th>
                    <th className="r">Stop</th>
                    <th>Status</th>
                    <th>Reason</th>
                    <th>Signal</th>
                    <th>Order</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.data.orders.map((o) => (
                    <tr key={o.order_id}>
                      <td className="num">{fmtTime(o.submit_time)}</td>
                      <td className={o.side === "BUY" ? "up" : "down"}>{o.side}</td>
                      <td>{o.order_type}</td>
                      <td className="r num">{fmtQty(o.quantity)}</td>
                      <td className="r num">{fmtPrice(o.price, decimals)}</td>
                      <td className="r num">{fmtPrice(o.stop_price, decimals)}</td>
                      <td>{o.status}</td>
                      <td className="dim">{o.reject_reason ?? o.cancel_reason ?? DASH}</td>
                      <td>{o.signal}</td>
                      <td className="mono">
                        <Link to={`/runs/${encodeURIComponent(trade.run_id)}/orders?order=${encodeURIComponent(o.order_id)}`}>
                          {o.order_id}
                        </Link>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        )}
        <section className="panel" aria-labelledby="lots-title">
          <h2 id="lots-title">Lot matches (FIFO)</h2>
          {lots.length === 0 ? (
            <span className="faint">No lot closed yet.</span>
          ) : (
            <div className="table-wrap">
              <table className="data compact" data-testid="lots-table">
                <thead>
                  <tr>
                    <th>Entry fill</th>
                    <th>Exit fill</th>
                    <th className="r">Qty</th>
                    <th className="r">Entry</th>
                    <th className="r">Exit</th>
                    <th className="r">Points</th>
                    <th className="r">Gross PnL</th>
                  </tr>
                </thead>
                <tbody>
                  {lots.map((l, i) => (
                    <tr key={`${l.entry_execution_id}-${l.exit_execution_id}-${i}`}>
                      <td className="mono">{l.entry_execution_id}</td>
                      <td className="mono">{l.exit_execution_id}</td>
                      <td className="r num">{fmtQty(l.quantity)}</td>
                      <td className="r num">{fmtPrice(l.entry_price, decimals)}</td>
                      <td className="r num">{fmtPrice(l.exit_price, decimals)}</td>
                      <td className={`r num ${pnlClass(l.points)}`}>{fmtPrice(l.points, decimals)}</td>
                      <td className={`r num ${pnlClass(l.pnl_gross)}`}>{money(l.pnl_gross)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>
    </div>
  );
}
