// A trade's orders that never filled (a cancelled target, a stop that was not hit) as
// chart levels and markers, drawn apart from the fills. Pure, so it is unit-tested.
import type { SeriesMarker, UTCTimestamp } from "lightweight-charts";
import { fmtPrice, toEpochSeconds } from "../../format";
import { containingBarIndex } from "./markers";

export interface ChartOrder {
  order_id: string;
  side: string;
  order_type: string;
  submit_time: string;
  price: number | null;
  stop_price: number | null;
  status: string;
  signal: string;
}

export interface OrderLevel {
  order_id: string;
  /** The bar the order was submitted in (its own time without bars). */
  time: number;
  /** The price the order waited at: a stop's trigger, a limit's price. */
  price: number;
  title: string;
  status: string;
}

export const UNFILLED_COLOR = "#b07cf0";

/**
 * The level an unfilled order waited at: STOP and MIT their stop price (else price),
 * STOP_LIMIT its stop price (where it would have triggered), LIMIT its price. A MARKET
 * order has none.
 */
export function waitingPrice(order: Pick<ChartOrder, "order_type" | "price" | "stop_price">): number | null {
  switch (order.order_type) {
    case "LIMIT":
      return order.price;
    case "STOP":
    case "MIT":
    case "STOP_LIMIT":
      return order.stop_price ?? order.price;
    default:
      return null;
  }
}

/** "SELL LIMIT Profit target · canceled": what the level's label says. */
export function levelTitle(order: Pick<ChartOrder, "side" | "order_type" | "signal" | "status">): string {
  return `${order.side} ${order.order_type} ${order.signal} · ${order.status.toLowerCase()}`;
}

/** One level per unfilled order with a price, in submit order. */
export function orderLevels(orders: readonly ChartOrder[], barTimes: readonly number[] = []): OrderLevel[] {
  const out: OrderLevel[] = [];
  for (const o of orders) {
    const price = waitingPrice(o);
    if (price == null) continue;
    const t = toEpochSeconds(o.submit_time);
    const idx = containingBarIndex(barTimes, t);
    out.push({ order_id: o.order_id, time: idx >= 0 ? (barTimes[idx] as number) : t, price, title: levelTitle(o), status: o.status });
  }
  return out.sort((a, b) => a.time - b.time);
}

/** A hollow circle at each level where the order was placed; labelled like the fills. */
export function levelMarkers(levels: readonly OrderLevel[], labels: boolean, priceDecimals: number): SeriesMarker<UTCTimestamp>[] {
  return levels.map((l) => ({
    id: `order:${l.order_id}`,
    time: l.time as UTCTimestamp,
    position: "atPriceMiddle",
    price: l.price,
    shape: "circle",
    color: UNFILLED_COLOR,
    text: labels ? `${l.title} @ ${fmtPrice(l.price, priceDecimals)}` : "",
  }));
}
