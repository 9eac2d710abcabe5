// Display formatting shared by every page. Times are shown in UTC, like the data.

const intFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const moneyFmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
// Quantities and plain figures (point values) are written in full, without trailing zeros.
const qtyFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 8 });
const pctFmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const ratioFmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const DASH = "—";

export function fmtInt(v: number | null | undefined): string {
  return v == null ? DASH : intFmt.format(v);
}

export function fmtMoney(v: number | null | undefined): string {
  return v == null ? DASH : moneyFmt.format(v);
}

const axisFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const axisSmallFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

/** Axis labels: thousands separators, cents only for small amounts. */
export function fmtAxisMoney(v: number): string {
  return Math.abs(v) >= 1000 ? axisFmt.format(v) : axisSmallFmt.format(v);
}

const priceFormats = new Map<number, Intl.NumberFormat>();

/** The format of a symbol's prices: always exactly `decimals` decimals. */
function priceFormat(decimals: number): Intl.NumberFormat {
  const d = Math.min(Math.max(Math.round(decimals), 0), 10);
  let fmt = priceFormats.get(d);
  if (!fmt) {
    fmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
    priceFormats.set(d, fmt);
  }
  return fmt;
}

/**
 * A price (or a price move in points) with its symbol's decimals, never trimmed: EURUSD
 * 1.09100, ES 5,012.00. `decimals` is the API's `price_decimals` for the symbol.
 */
export function fmtPrice(v: number | null | undefined, decimals: number): string {
  return v == null ? DASH : priceFormat(decimals).format(v);
}

/** A price move in ticks of `tickSize`: whole ticks as integers, else one decimal. */
export function fmtTicks(points: number | null | undefined, tickSize: number | null | undefined): string {
  if (points == null || !tickSize) return DASH;
  const ticks = points / tickSize;
  const whole = Math.round(ticks);
  return Math.abs(ticks - whole) < 1e-6 ? intFmt.format(whole) : ticks.toFixed(1);
}

export function fmtQty(v: number | null | undefined): string {
  return v == null ? DASH : qtyFmt.format(v);
}

/** A figure that is neither money nor a price (a point value): in full, no trailing zeros. */
export function fmtPlain(v: number | null | undefined): string {
  return v == null ? DASH : qtyFmt.format(v);
}

/** An efficiency (0..1, may fall outside) as a percentage. */
export function fmtEfficiency(v: number | null | undefined): string {
  return v == null ? DASH : `${pctFmt.format(v * 100)}%`;
}

export function fmtPct(v: number | null | undefined): string {
  return v == null ? DASH : `${pctFmt.format(v)}%`;
}

export function fmtRatio(v: number | null | undefined): string {
  return v == null ? DASH : ratioFmt.format(v);
}

/** CSS class for a signed amount: green above zero, red below. */
export function pnlClass(v: number | null | undefined): string {
  if (v == null || v === 0) return "";
  return v > 0 ? "up" : "down";
}

/** "2025-01-06 14:30:00" (UTC); seconds shown, milliseconds only when present. */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const s = d.toISOString();
  const ms = s.slice(20, 23);
  return `${s.slice(0, 10)} ${s.slice(11, 19)}${ms === "000" ? "" : `.${ms}`}`;
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return DASH;
  return fmtTime(iso).slice(0, 10);
}

/** "1d 2h", "3h 05m", "4m 10s", "12.5s". */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds == null) return DASH;
  const s = Math.abs(seconds);
  if (s < 1) return `${Math.round(s * 1000)}ms`;
  if (s < 60) return `${s < 10 ? s.toFixed(1).replace(/\.0$/, "") : Math.round(s)}s`;
  // Whole seconds first: 419.6 s is 7m 00s, not 6m 60s.
  const whole = Math.round(s);
  const m = Math.floor(whole / 60);
  if (m < 60) return `${m}m ${String(whole % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function fmtBytes(n: number | null | undefined): string {
  if (n == null) return DASH;
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Seconds since the epoch (what lightweight-charts calls a UTCTimestamp). */
export function toEpochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}
