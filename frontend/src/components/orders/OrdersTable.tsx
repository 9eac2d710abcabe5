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
            <th className="r">Avg fill</th>
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
                <td className="r num" title={o.first_fill_time ? `first fill ${fmtTime(o.first_fill_time)}` : undefined}>
                  {fmtPrice(o.average_fill_price, d)}
                </td>
                <td>
                  <span className={`badge ${STATUS_TONE[o.status] ?? ""}`} title={TERMINAL_STATUSES.includes(o.status) ? undefined : "still working"}>
                    {o.status}
                  </span>
                </td>
                <td className="dim" style={{ whiteSpace: "normal", minWidth: 120 }}>
                  {reason ?? DASH}
                </td>
                <td title={o.client_tag ? undefined : "no client tag: the order id"}>{o.signal}</td>
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

/** The trades the order's fills belong to; the fills themselves are listed on each trade. */
function TradeLinks({ order }: { order: Order }) {
  if (order.trade_ids.length === 0) {
    return <span className="faint">{order.fill_count ? `${order.fill_count} ${order.fill_count === 1 ? "fill" : "fills"}, no trade` : DASH}</span>;
  }
  return (
    <span className="row" style={{ gap: 6 }} title={`${order.fill_count} ${order.fill_count === 1 ? "fill" : "fills"}: ${order.execution_ids.join(", ")}`}>
      {order.trade_ids.map((t) => (
        <Link key={t} to={`/trades/${encodeURIComponent(t)}`} className="mono" data-testid="order-trade">
          {t.slice(0, 8)}
        </Link>
      ))}
    </span>
  );
}
