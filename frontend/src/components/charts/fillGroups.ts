// Fills of a trade as chart markers when they crowd: fills of one bar with the same role
// and side become one marker, labels go when markers would overlap, and the fills of a
// bar are listed on hover. Pure, so it is unit-tested.
import type { SeriesMarker, UTCTimestamp } from "lightweight-charts";
import { fmtPrice, fmtQty, toEpochSeconds } from "../../format";
import { containingBarIndex, executionRole, MARKER_COLORS, type ExecutionRole, type MarkerExecution, type MarkerTrade } from "./markers";

export interface FillGroup {
  /** The marker's time: the start of the bar holding the fills (their own time without bars). */
  time: number;
  role: ExecutionRole;
  buy: boolean;
  fills: MarkerExecution[];
  quantity: number;
  /** Quantity-weighted average fill price. */
  price: number;
}

/** More markers than this, or two closer than MIN_LABEL_GAP bars, and labels are hidden. */
export const MAX_LABELLED = 12;
export const MIN_LABEL_GAP = 3;

/** The trade's fills grouped by bar, role and side, in time order (fills keep theirs). */
export function groupFills(
  trade: MarkerTrade,
  executions: readonly MarkerExecution[],
  barTimes: readonly number[] = [],
): FillGroup[] {
  const groups = new Map<string, FillGroup>();
  for (const ex of executions) {
    // A fill that crosses zero counts here with its part in this trade.
    const quantity = ex.trade_quantity ?? ex.quantity;
    const t = toEpochSeconds(ex.exec_time);
    const idx = containingBarIndex(barTimes, t);
    const time = idx >= 0 ? (barTimes[idx] as number) : t;
    const role = executionRole(trade, ex.side);
    const buy = ex.side.toUpperCase() === "BUY";
    const key = `${time}|${role}|${buy}`;
    const group = groups.get(key);
    if (group) {
      group.price = (group.price * group.quantity + ex.price * quantity) / (group.quantity + quantity);
      group.quantity += quantity;
      group.fills.push(ex);
    } else {
      groups.set(key, { time, role, buy, fills: [ex], quantity, price: ex.price });
    }
  }
  // Stable: groups of one bar stay in the order of their first fill.
  return [...groups.values()].sort((a, b) => a.time - b.time);
}

/** Whether labels would overlap: many markers, several in one bar, or bars close together. */
export function crowded(groups: readonly FillGroup[], barTimes: readonly number[]): boolean {
  if (groups.length > MAX_LABELLED) return true;
  for (let i = 1; i < groups.length; i += 1) {
    const a = groups[i - 1] as FillGroup;
    const b = groups[i] as FillGroup;
    if (a.time === b.time) return true;
    if (barTimes.length > 0) {
      const gap = containingBarIndex(barTimes, b.time) - containingBarIndex(barTimes, a.time);
      if (gap < MIN_LABEL_GAP) return true;
    }
  }
  return false;
}

/** The distinct signal names of a group's fills, in fill order. */
export function groupSignals(group: FillGroup): string[] {
  return [...new Set(group.fills.map((f) => f.signal).filter((s): s is string => !!s))];
}

/**
 * "In B 2", "In B 2 ×2"; with the symbol's decimals also the (average) price: "In B 2 @
 * 6,012.25"; then the fills' signal names: "In B 2 @ 6,012.25 · Breakout".
 */
export function groupLabel(group: FillGroup, priceDecimals?: number | null): string {
  const count = group.fills.length > 1 ? ` ×${group.fills.length}` : "";
  const price = priceDecimals == null ? "" : ` @ ${fmtPrice(group.price, priceDecimals)}`;
  const signals = groupSignals(group);
  const signal = signals.length ? ` · ${signals.join(", ")}` : "";
  return `${group.role === "entry" ? "In" : "Out"} ${group.buy ? "B" : "S"} ${fmtQty(group.quantity)}${count}${price}${signal}`;
}

/** One marker per group at its average price; labelled only when `labels`. */
export function groupMarkers(
  groups: readonly FillGroup[],
  labels: boolean,
  priceDecimals?: number | null,
): SeriesMarker<UTCTimestamp>[] {
  return groups.map((g) => ({
    id: g.fills.map((f) => f.execution_id).join(","),
    time: g.time as UTCTimestamp,
    position: g.buy ? "atPriceBottom" : "atPriceTop",
    price: g.price,
    shape: g.buy ? "arrowUp" : "arrowDown",
    color:
      g.role === "entry" ? (g.buy ? MARKER_COLORS.entryBuy : MARKER_COLORS.entrySell) : g.buy ? MARKER_COLORS.exitBuy : MARKER_COLORS.exitSell,
    text: labels ? groupLabel(g, priceDecimals) : "",
  }));
}
