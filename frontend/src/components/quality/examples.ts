// The examples of a data-quality finding as links to the pages that show their records.
// Pure, so it is unit-tested.
import { instrumentEditorHref } from "../instruments/PointValueWarning";

/** What the examples of each check are (analytics.md "Data quality"). */
const EXAMPLE_KIND: Record<string, ExampleKind> = {
  point_value_missing: "symbol",
  no_bars: "symbol",
  fill_outside_bar: "execution_id",
  execution_without_order: "execution_id",
  overfilled_order: "order_id",
  order_left_working: "order_id",
  open_at_end: "trade_id",
  bar_gap: "gap_start",
  reconciliation_mismatch: "run",
};

export type ExampleKind = "symbol" | "execution_id" | "order_id" | "trade_id" | "gap_start" | "run";

export interface ExampleLink {
  label: string;
  kind: ExampleKind;
  /** Where the record is shown; null when no page shows it on its own. */
  href: string | null;
}

const OBJECT_KEYS: ExampleKind[] = ["trade_id", "order_id", "execution_id", "symbol", "gap_start"];

function text(v: unknown): string | undefined {
  return v == null || v === "" ? undefined : String(v);
}

/**
 * One example of a finding as a label and the page that shows its record: a trade its
 * detail, an order the run's orders opened on it, a symbol its trades (or the instrument
 * editor when its point value is missing). A bare execution id has no page of its own; an
 * example that also names its trade or order links there.
 */
export function exampleLink(runId: string, check: string, example: string | number | Record<string, unknown>): ExampleLink {
  const fields: Record<string, unknown> = typeof example === "object" && example !== null ? example : {};
  const kind: ExampleKind =
    EXAMPLE_KIND[check] ?? OBJECT_KEYS.find((k) => fields[k] != null) ?? (fields.start != null ? "gap_start" : "run");
  const plain = typeof example === "object" ? undefined : String(example);
  const value =
    plain ?? text(kind === "gap_start" ? (fields.gap_start ?? fields.start) : fields[kind]) ?? JSON.stringify(example);
  const symbol = text(fields.symbol);
  const run = `/runs/${encodeURIComponent(runId)}`;
  const tradeHref = (id: string | undefined) => (id ? `/trades/${encodeURIComponent(id)}` : null);
  const orderHref = (id: string | undefined) => (id ? `${run}/orders?order=${encodeURIComponent(id)}` : null);
  switch (kind) {
    case "trade_id":
      return { label: value, kind, href: tradeHref(value) };
    case "order_id":
      return { label: value, kind, href: orderHref(value) };
    case "execution_id":
      return {
        label: value,
        kind,
        // An execution without an order names an order that is not stored: no page shows it.
        href: tradeHref(text(fields.trade_id)) ?? (check === "execution_without_order" ? null : orderHref(text(fields.order_id))),
      };
    case "symbol":
      return {
        label: value,
        kind,
        href: check === "point_value_missing" ? instrumentEditorHref(value) : `${run}/trades?symbol=${encodeURIComponent(value)}`,
      };
    case "gap_start":
      return { label: symbol ? `${symbol} · ${value}` : value, kind, href: null };
    default:
      return { label: plain ?? "the run's figures", kind, href: run };
  }
}
