import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import {
  fillRatioPct,
  notOffered,
  serverOffers,
  useExecutionQuality,
  type Keyed,
  type LiquidityRow,
  type QuantityRow,
  type SlippageRow,
} from "../../api/analysis";
import { useInstruments } from "../../api/queries";
import { DASH, fmtDuration, fmtInt, fmtMoney, fmtPct, fmtPrice, fmtQty, pnlClass } from "../../format";
import { Empty, ErrorState, Loading } from "../common/States";

/** Each flag's share of the executions and of the quantity, in percent. */
export function liquidityShares(rows: readonly Keyed<LiquidityRow>[]): (Keyed<LiquidityRow> & { executionShare: number | null; quantityShare: number | null })[] {
  const executions = rows.reduce((n, r) => n + r.executions, 0);
  const quantity = rows.reduce((n, r) => n + r.quantity, 0);
  return rows.map((r) => ({
    ...r,
    executionShare: executions > 0 ? (r.executions / executions) * 100 : null,
    quantityShare: quantity > 0 ? (r.quantity / quantity) * 100 : null,
  }));
}

/**
 * The decimals of slippage in points: the answer's, else the chosen symbol's, else the
 * most of the run's symbols (points of several symbols are summed as they come).
 */
export function slippageDecimals(
  answer: number | undefined,
  symbol: string,
  symbols: readonly string[],
  instruments: ReadonlyMap<string, number>,
): number {
  if (answer != null) return answer;
  if (symbol) return instruments.get(symbol) ?? 2;
  const known = symbols.map((s) => instruments.get(s)).filter((d): d is number => d != null);
  return known.length ? Math.max(...known) : 2;
}

/** Fill ratio, slippage, time to fill and liquidity of a run, for all its symbols or one. */
export function ExecutionQualityPanel({ runId, symbols }: { runId: string; symbols: readonly string[] }) {
  const [symbol, setSymbol] = useState("");
  const quality = useExecutionQuality(runId, symbol || undefined);
  const instruments = useInstruments();
  const decimalsBySymbol = useMemo(
    () => new Map((instruments.data ?? []).map((i) => [i.symbol, i.price_decimals])),
    [instruments.data],
  );
  // A server without the execution-quality read: the dashboard goes without the panel.
  if (!serverOffers("/api/runs/{run_id}/execution-quality") || (quality.isError && notOffered(quality.error))) return null;
  const ordersHref = (filter: string) => `/runs/${encodeURIComponent(runId)}/orders?${filter}`;

  return (
    <section className="panel" style={{ marginTop: 12 }} aria-labelledby="execq-title" data-testid="execution-quality">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 id="execq-title">Execution quality</h2>
        <div className="row">
          {symbols.length > 1 && (
            <label className="field" style={{ flexDirection: "row", alignItems: "center", gap: 6 }}>
              Symbol
              <select value={symbol} onChange={(e) => setSymbol(e.target.value)} data-testid="execq-symbol">
                <option value="">all</option>
                {symbols.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          )}
          <Link to={`/runs/${encodeURIComponent(runId)}/orders`}>All orders →</Link>
        </div>
      </div>
      {quality.isPending ? (
        <Loading rows={4} />
      ) : quality.isError ? (
        <ErrorState error={quality.error} retry={() => void quality.refetch()} />
      ) : quality.data.by_status.length === 0 && quality.data.liquidity.length === 0 ? (
        <Empty title="No orders or executions">Execution quality needs the export's Orders and Executions.</Empty>
      ) : (
        <div style={{ opacity: quality.isPlaceholderData ? 0.6 : 1 }}>
          <div className="grid-2">
            <QuantityTable
              title="By status"
              rows={quality.data.by_status}
              href={(key) => ordersHref(`status=${encodeURIComponent(key)}`)}
              testId="execq-by-status"
            />
            <QuantityTable
              title="By order type"
              rows={quality.data.by_order_type}
              href={(key) => ordersHref(`order_type=${encodeURIComponent(key)}`)}
              testId="execq-by-type"
            />
          </div>
          <div className="grid-2" style={{ marginTop: 12 }}>
            <SlippageTable
              rows={quality.data.slippage}
              decimals={slippageDecimals(quality.data.price_decimals, symbol, symbols, decimalsBySymbol)}
            />
            <div className="stack">
              <h3>Time to fill</h3>
              <dl className="kv" data-testid="execq-time-to-fill">
                <dt>Median</dt>
                <dd className="num">{fmtDuration(quality.data.time_to_fill.median_seconds)}</dd>
                <dt>95th percentile</dt>
                <dd className="num">{fmtDuration(quality.data.time_to_fill.p95_seconds)}</dd>
              </dl>
              <p className="faint" style={{ margin: 0 }}>
                From the order's submission to its first fill, over orders with a fill.
              </p>
            </div>
          </div>
          <LiquidityTable rows={quality.data.liquidity} />
        </div>
      )}
    </section>
  );
}

function QuantityTable({
  title,
  rows,
  href,
  testId,
}: {
  title: string;
  rows: readonly Keyed<QuantityRow>[];
  href: (key: string) => string;
  testId: string;
}) {
  return (
    <div>
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <span className="faint">No orders.</span>
      ) : (
        <table className="data compact" data-testid={testId} aria-label={`Fill ratio ${title.toLowerCase()}`}>
          <thead>
            <tr>
              <th />
              <th className="r">Orders</th>
              <th className="r">Ordered</th>
              <th className="r">Filled</th>
              <th className="r">Fill ratio</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} data-key={r.key}>
                <td>
                  <Link to={href(r.key)}>{r.key}</Link>
                </td>
                <td className="r num">{fmtInt(r.count)}</td>
                <td className="r num">{fmtQty(r.ordered_quantity)}</td>
                <td className="r num">{fmtQty(r.filled_quantity)}</td>
                <td className="r num" data-testid="fill-ratio">
                  {fmtPct(fillRatioPct(r))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function SlippageTable({ rows, decimals }: { rows: readonly Keyed<SlippageRow>[]; decimals: number }) {
  return (
    <div>
      <h3 title="Fill price against the price the order asked for; positive is worse than asked">
        Slippage by order type
      </h3>
      {rows.length === 0 ? (
        <span className="faint">No fill of an order with a limit or stop price.</span>
      ) : (
        <table className="data compact" data-testid="execq-slippage" aria-label="Slippage by order type">
          <thead>
            <tr>
              <th />
              <th className="r">Fills</th>
              <th className="r">Points, total</th>
              <th className="r">Points, mean</th>
              <th className="r">Money, total</th>
              <th className="r">Money, mean</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              // Positive slippage costs: shown red, as a loss would be.
              <tr key={r.key} data-key={r.key}>
                <td>{r.key}</td>
                <td className="r num">{fmtInt(r.executions)}</td>
                <td className={`r num ${pnlClass(-r.slippage_points_total)}`}>{fmtPrice(r.slippage_points_total, decimals)}</td>
                <td className={`r num ${pnlClass(-(r.slippage_points_mean ?? 0))}`}>{fmtPrice(r.slippage_points_mean, decimals)}</td>
                <td className={`r num ${pnlClass(-r.slippage_total)}`}>{fmtMoney(r.slippage_total)}</td>
                <td className={`r num ${pnlClass(-(r.slippage_mean ?? 0))}`}>{fmtMoney(r.slippage_mean)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function LiquidityTable({ rows }: { rows: readonly Keyed<LiquidityRow>[] }) {
  const shared = liquidityShares(rows);
  return (
    <div style={{ marginTop: 12 }}>
      <h3>Liquidity</h3>
      {shared.length === 0 ? (
        <span className="faint">No executions.</span>
      ) : (
        <table className="data compact" data-testid="execq-liquidity" aria-label="Liquidity by flag">
          <thead>
            <tr>
              <th>Flag</th>
              <th className="r">Fills</th>
              <th className="r">Share of fills</th>
              <th className="r">Quantity</th>
              <th className="r">Share of quantity</th>
              <th className="r">Fees</th>
            </tr>
          </thead>
          <tbody>
            {shared.map((r) => (
              <tr key={r.key} data-key={r.key}>
                <td>{r.key || DASH}</td>
                <td className="r num">{fmtInt(r.executions)}</td>
                <td className="r num">{fmtPct(r.executionShare)}</td>
                <td className="r num">{fmtQty(r.quantity)}</td>
                <td className="r num">{fmtPct(r.quantityShare)}</td>
                <td className="r num">{fmtMoney(r.fees)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
