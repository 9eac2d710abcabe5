// Maps a trade's executions to lightweight-charts markers. Pure, so it is unit-tested.
import type { SeriesMarker, UTCTimestamp } from "lightweight-charts";
import { fmtPrice, fmtQty, toEpochSeconds } from "../../format";

export interface MarkerExecution {
  execution_id: string;
  side: string;
  exec_time: string;
  price: number;
  quantity: number;
  /** The part of the fill in this trade (a fill that crosses zero is split). */
  trade_quantity?: number;
}

export interface MarkerTrade {
  side: "LONG" | "SHORT";
  /** With it, each marker's label also gives the fill price in the symbol's decimals. */
  price_decimals?: number;
}

export type ExecutionRole = "entry" | "exit";

export const MARKER_COLORS = {
  entryBuy: "#26a69a",
  entrySell: "#ef5350",
  exitBuy: "#f0b429",
  exitSell: "#f0b429",
} as const;

/**
 * Entry or exit, from the fill's side relative to the trade's direction: a LONG trade
 * enters with BUY and exits with SELL, a SHORT trade the reverse. A fill that crosses
 * zero is split between two trades and shows up in each with the role it has there.
 */
export function executionRole(trade: MarkerTrade, side: string): ExecutionRole {
  const buy = side.toUpperCase() === "BUY";
  return (trade.side === "LONG") === buy ? "entry" : "exit";
}

/** "In B 2", or "In B 2 @ 6,012.25" with the symbol's decimals; the trade's part of a split fill. */
export function markerText(trade: MarkerTrade, ex: MarkerExecution, role: ExecutionRole, buy: boolean): string {
  const quantity = fmtQty(ex.trade_quantity ?? ex.quantity);
  const price = trade.price_decimals == null ? "" : ` @ ${fmtPrice(ex.price, trade.price_decimals)}`;
  return `${role === "entry" ? "In" : "Out"} ${buy ? "B" : "S"} ${quantity}${price}`;
}

/**
 * Index of the bar containing `t` (the last bar starting at or before it), clamped to the
 * first bar. `barTimes` is ascending.
 */
export function containingBarIndex(barTimes: readonly number[], t: number): number {
  let lo = 0;
  let hi = barTimes.length - 1;
  if (hi < 0) return -1;
  if (t <= (barTimes[0] as number)) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((barTimes[mid] as number) <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * One marker per execution, at its fill price. Buys point up from below the price, sells
 * point down from above; entries are green/red, exits amber. With bars, each marker sits
 * on the bar that contains the fill (the chart only places markers on bar times); without
 * bars, at the fill time itself.
 */
export function executionMarkers(
  trade: MarkerTrade,
  executions: readonly MarkerExecution[],
  barTimes: readonly number[] = [],
): SeriesMarker<UTCTimestamp>[] {
  const markers = executions.map((ex) => {
    const role = executionRole(trade, ex.side);
    const buy = ex.side.toUpperCase() === "BUY";
    const t = toEpochSeconds(ex.exec_time);
    const idx = containingBarIndex(barTimes, t);
    const time = (idx >= 0 ? barTimes[idx] : t) as UTCTimestamp;
    const color =
      role === "entry"
        ? buy
          ? MARKER_COLORS.entryBuy
          : MARKER_COLORS.entrySell
        : buy
          ? MARKER_COLORS.exitBuy
          : MARKER_COLORS.exitSell;
    const marker: SeriesMarker<UTCTimestamp> = {
      id: ex.execution_id,
      time,
      position: buy ? "atPriceBottom" : "atPriceTop",
      price: ex.price,
      shape: buy ? "arrowUp" : "arrowDown",
      color,
      text: markerText(trade, ex, role, buy),
    };
    return marker;
  });
  // The series wants markers in time order; a stable sort keeps fills of one bar in sequence.
  return markers.sort((a, b) => (a.time as number) - (b.time as number));
}
