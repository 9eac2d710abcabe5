// Money figures shown in currency, in points or in ticks. Points are the money divided by
// the point value (NinjaTrader's "points": the position's quantity stays in), ticks are the
// points divided by the tick size. A conversion whose input is missing is missing: the
// figure is never shown in another unit instead.
import { DASH, fmtMoney, fmtPrice } from "../../format";

export type DisplayUnit = "currency" | "points" | "ticks";

export const DISPLAY_UNITS: readonly DisplayUnit[] = ["currency", "points", "ticks"];

/** What a conversion needs from the instrument; null where the instrument lacks it. */
export interface UnitBasis {
  /** Null when the symbol has no instrument row (its PnL used point value 1) or when the
   * figures mix symbols of different point values. */
  pointValue: number | null;
  tickSize: number | null;
  /** The symbol's price decimals (points are shown with them). */
  decimals: number;
  /** Why there is no point value, when the reason is not the instrument's own lack of one. */
  missingReason?: string;
}

/** A converted value, or why it cannot be shown in the unit. */
export type Converted = { value: number } | { missing: string };

export function convertMoney(money: number | null | undefined, unit: DisplayUnit, basis: UnitBasis): Converted | null {
  if (money == null) return null;
  if (unit === "currency") return { value: money };
  if (basis.pointValue == null || basis.pointValue === 0) return { missing: basis.missingReason ?? "no point value" };
  const points = money / basis.pointValue;
  if (unit === "points") return { value: points };
  if (basis.tickSize == null || basis.tickSize === 0) return { missing: "no tick size" };
  return { value: points / basis.tickSize };
}

const tickFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

/** Ticks: whole ticks as integers, else up to two decimals (float noise rounded away). */
export function fmtTickCount(ticks: number): string {
  const whole = Math.round(ticks);
  return Math.abs(ticks - whole) < 1e-9 * Math.max(1, Math.abs(ticks)) ? tickFmt.format(whole) : tickFmt.format(ticks);
}

/** The figure as text in the unit: "1,250.00", "25.00 pts", "100 ticks"; "—" when there is no
 * figure; "missing: no tick size" when the unit cannot be computed. */
export function fmtUnit(money: number | null | undefined, unit: DisplayUnit, basis: UnitBasis): string {
  const c = convertMoney(money, unit, basis);
  if (c == null) return DASH;
  if ("missing" in c) return `missing: ${c.missing}`;
  if (unit === "currency") return fmtMoney(c.value);
  if (unit === "points") return `${fmtPrice(c.value, basis.decimals)} pts`;
  return `${fmtTickCount(c.value)} ticks`;
}

export interface InstrumentLike {
  symbol: string;
  point_value: number;
  tick_size: number | null;
  configured: boolean;
  price_decimals: number;
}

/**
 * The basis of figures over the given symbols: one point value and tick size when they
 * all share them and are configured; missing otherwise (a sum over instruments of
 * different point values has no single value in points).
 */
export function basisFor(symbols: readonly string[], instruments: readonly InstrumentLike[]): UnitBasis {
  const rows = symbols.map((s) => instruments.find((i) => i.symbol === s));
  const decimals = Math.max(0, ...rows.map((r) => r?.price_decimals ?? 0));
  if (rows.length === 0 || rows.some((r) => r == null || !r.configured)) {
    return { pointValue: null, tickSize: null, decimals };
  }
  const known = rows as InstrumentLike[];
  const pv = known[0]!.point_value;
  const ts = known[0]!.tick_size;
  if (!known.every((r) => r.point_value === pv)) {
    return { pointValue: null, tickSize: null, decimals, missingReason: "symbols of different point values" };
  }
  return { pointValue: pv, tickSize: known.every((r) => r.tick_size === ts) ? ts : null, decimals };
}

const KEY = "display-unit";

export function storedUnit(): DisplayUnit {
  try {
    const v = localStorage.getItem(KEY);
    return v === "points" || v === "ticks" ? v : "currency";
  } catch {
    return "currency";
  }
}

export function storeUnit(unit: DisplayUnit): void {
  try {
    localStorage.setItem(KEY, unit);
  } catch {
    // Storage refused (private mode): the choice lasts for the page only.
  }
}
