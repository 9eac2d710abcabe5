// Side-by-side statistics of several runs: which values differ, and which is best.

export type Better = "higher" | "lower" | "none";

export interface DiffCell {
  value: number | null;
  /** The value differs from the first run's (the reference column). */
  differs: boolean;
  /** The best value of the row (only when the values differ and a direction is known). */
  best: boolean;
}

/**
 * One row of the comparison. Values are compared as given (the API's numbers are exact);
 * a missing value differs from a present one.
 */
export function diffRow(values: readonly (number | null | undefined)[], better: Better): DiffCell[] {
  const norm = values.map((v) => (typeof v === "number" && Number.isFinite(v) ? v : null));
  const ref = norm[0] ?? null;
  const present = norm.filter((v): v is number => v != null);
  const allSame = norm.every((v) => v === ref);
  const target =
    allSame || present.length === 0 || better === "none"
      ? null
      : better === "higher"
        ? Math.max(...present)
        : Math.min(...present);
  return norm.map((v, i) => ({
    value: v,
    differs: i > 0 && v !== ref,
    best: target != null && v === target,
  }));
}

/** The value less the reference run's; null when either is missing. */
export function delta(value: number | null, ref: number | null): number | null {
  return value == null || ref == null ? null : value - ref;
}
