// A fill's role in its trade and the bar it falls in: what its chart marker is made of.
// Pure, so it is unit-tested.

export interface MarkerExecution {
  execution_id: string;
  side: string;
  exec_time: string;
  price: number;
  quantity: number;
  /** The part of the fill in this trade (a fill that crosses zero is split). */
  trade_quantity?: number;
  /** The fill's order's signal name (client tag, else order id); null when the order is unknown. */
  signal?: string | null;
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
