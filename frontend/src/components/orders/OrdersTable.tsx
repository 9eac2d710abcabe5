import { Link } from "react-router-dom";
import { TERMINAL_STATUSES, type Order } from "../../api/analysis";
import { DASH, fmtPrice, fmtQty, fmtTime } from "../../format";

const STATUS_TONE: Record<string, string> = {
  FILLED: "ok",
  PARTIALLY_FILLED: "info",
  NEW: "info",
  CANCELED: "warn",
  EXPIRED: "warn",
  REJECTED: "bad",
};

/** Why the order ended as it did: the rejection or cancellation reason. */
export function orderReason(order: Pick<Order, "reject_reason" | "cancel_reason">): string | null {
  return order.reject_reason ?? order.cancel_reason ?? null;
}

/** Every order of a page with its lifecycle, fill and reasons; `focus` marks one order. */
export function OrdersTable({
  orders,
  decimals,
  focus,
}: {
  orders: readonly Order[];
  decimals: ReadonlyMap<string, number>;
  focus?: string | null;
}) {
  return (
    <div className="table-wrap" style={{ maxHeight: "calc(100vh - 260px)" }}>
      <table className="data compact" data-testid="orders-table" aria-label="Orders">
        <thead>
          <tr>
            <th>Submitted (UTC)</th>
            <th>Order</th>
            <th>Symbol</th>
            <th>Side</th>
            <th>Type</th>
            <th className="r">Price</th>
            <th className="r">Stop</th>
            <th className="r">Qty</th>
            <th className="r">Filled</th>
            <th>Status</th>
            <th>Reason</th>
            <th>Signal</th>
            <th>Trades</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => {
            const d = decimals.get(o.symbol) ?? 2;
            const reason = orderReason(o);
            const unfilled = o.filled_quantity < o.quantity;
            return (
              <tr
                key={o.order_id}
                data-order-id={o.order_id}
                data-status={o.status}
                aria-current={focus === o.order_id ? "true" : undefined}
                className={focus === o.order_id ? "focused" : undefined}
              >
                <td className="num">{fmtTime(o.submit_time)}</td>
                <td className="mono" title={o.parent_order_id ? `parent ${o.parent_order_id}` : undefined}>
                  {o.order_id}
                  {o.parent_order_id && <span className="faint"> ↳ {o.parent_order_id}</span>}
                </td>
                <td>{o.symbol}</td>
                <td className={o.side.toUpperCase().startsWith("BUY") ? "up" : "down"}>{o.side}</td>
                <td>
                  {o.order_type}
                  {o.time_in_force && o.time_in_force !== "GTC" && <span className="faint"> {o.time_in_force}</span>}
                </td>
                <td className="r num">{fmtPrice(o.price, d)}</td>
                <td className="r num">{fmtPrice(o.stop_price, d)}</td>
                <td className="r num">{fmtQty(o.quantity)}</td>
                <td className={`r num ${unfilled ? "dim" : ""}`} data-testid="filled-quantity">
                  {fmtQty(o.filled_quantity)}
                </td>
                <td>
                  <span className={`badge ${STATUS_TONE[o.status] ?? ""}`} title={TERMINAL_STATUSES.includes(o.status) ? undefined : "still working"}>
                    {o.status}
                  </span>
                </td>
                <td className="dim" style={{ whiteSpace: "normal", minWidth: 120 }}>
                  {reason ?? DASH}
                </td>
                <td>{o.client_tag ?? DASH}</td>
                <td>
                  <TradeLinks order={o} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function TradeLinks({ order }: { order: Order }) {
  const trades = order.trade_ids ?? [];
  const fills = order.execution_ids?.length;
  if (trades.length === 0) {
    return <span className="faint">{fills ? `${fills} ${fills === 1 ? "fill" : "fills"}` : DASH}</span>;
  }
  return (
    <span className="row" style={{ gap: 6 }}>
      {trades.map((t) => (
        <Link key={t} to={`/trades/${encodeURIComponent(t)}`} className="mono" title={fills ? `${fills} fills` : undefined}>
          {t.slice(0, 8)}
        </Link>
      ))}
    </span>
  );
}
