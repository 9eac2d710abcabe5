// Display formatting shared by every page. Times are shown in UTC, like the data.

const intFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const moneyFmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const priceFmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 4 });
const qtyFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });
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

export function fmtPrice(v: number | null | undefined): string {
  return v == null ? DASH : priceFmt.format(v);
}

export function fmtQty(v: number | null | undefined): string {
  return v == null ? DASH : qtyFmt.format(v);
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
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.round(s % 60)).padStart(2, "0")}s`;
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
