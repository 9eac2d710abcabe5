// The decimals a symbol's prices are written with on the orders and execution-quality
// views. Pure, so it is unit-tested.

/** Decimals of a number as written in its shortest form (0.25 -> 2, 5012 -> 0), at most 10. */
export function writtenDecimals(v: number): number {
  if (!Number.isFinite(v)) return 0;
  const s = String(v);
  const exp = /e-(\d+)$/.exec(s);
  if (exp) return Math.min(10, Number(exp[1]) + (s.split("e")[0]?.split(".")[1]?.length ?? 0));
  return Math.min(10, s.split(".")[1]?.length ?? 0);
}

/**
 * Per symbol: the decimals the answer gives, else the instrument's, else the most any of
 * the symbol's prices on the page is written with (a symbol with no instrument row).
 */
export function symbolDecimals(
  rows: readonly { symbol: string; price_decimals?: number | null; price?: number | null; stop_price?: number | null }[],
  instruments: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const r of rows) {
    if (r.price_decimals != null) out.set(r.symbol, r.price_decimals);
    for (const p of [r.price, r.stop_price]) {
      if (p != null) seen.set(r.symbol, Math.max(seen.get(r.symbol) ?? 0, writtenDecimals(p)));
    }
  }
  for (const r of rows) {
    if (out.has(r.symbol)) continue;
    out.set(r.symbol, instruments.get(r.symbol) ?? seen.get(r.symbol) ?? 2);
  }
  return out;
}
