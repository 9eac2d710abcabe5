import { describe, expect, it } from "vitest";
import { fillRatioPct, keyedRows, normalizeExecutionQuality, qualityVerdict, referencePrice, sortFindings } from "./analysis";

describe("keyedRows", () => {
  it("keys a list of rows by the group they name", () => {
    const rows = keyedRows<{ count: number }>([
      { status: "FILLED", count: 2 },
      { order_type: "LIMIT", count: 1 },
      { liquidity_flag: "", count: 4 },
    ]);
    expect(rows.map((r) => [r.key, r.count])).toEqual([
      ["FILLED", 2],
      ["LIMIT", 1],
      ["UNKNOWN", 4],
    ]);
  });
  it("keys an object of rows by its keys", () => {
    expect(keyedRows<{ count: number }>({ CANCELED: { count: 3 } })).toEqual([{ key: "CANCELED", count: 3 }]);
  });
  it("is empty for anything else", () => {
    expect(keyedRows(null)).toEqual([]);
  });
});

describe("normalizeExecutionQuality", () => {
  it("keeps missing times to fill as missing", () => {
    const q = normalizeExecutionQuality({ by_status: [], time_to_fill: { median_seconds: 1.5 } });
    expect(q.time_to_fill).toEqual({ median_seconds: 1.5, p95_seconds: null, orders: undefined });
    expect(q.slippage).toEqual([]);
    expect(q.price_decimals).toBeUndefined();
  });
});

describe("qualityVerdict", () => {
  it("is errors when any finding is an error", () => {
    expect(qualityVerdict([{ severity: "info" }, { severity: "warning" }, { severity: "error" }])).toBe("errors");
  });
  it("is warnings when the worst is a warning", () => {
    expect(qualityVerdict([{ severity: "info" }, { severity: "warning" }])).toBe("warnings");
  });
  it("is clean with no finding or notes only", () => {
    expect(qualityVerdict([])).toBe("clean");
    expect(qualityVerdict([{ severity: "info" }])).toBe("clean");
  });
});

describe("sortFindings", () => {
  it("puts errors first, then the most records", () => {
    const sorted = sortFindings([
      { check: "no_bars", severity: "info", count: 9 },
      { check: "bar_gap", severity: "info", count: 1 },
      { check: "overfilled_order", severity: "warning", count: 2 },
      { check: "point_value_missing", severity: "error", count: 1 },
    ]);
    expect(sorted.map((f) => f.check)).toEqual(["point_value_missing", "overfilled_order", "no_bars", "bar_gap"]);
  });
});

describe("fillRatioPct", () => {
  it("uses the answer's ratio", () => {
    expect(fillRatioPct({ fill_ratio: 0.25, ordered_quantity: 4, filled_quantity: 1 })).toBe(25);
  });
  it("computes it from the quantities when left out, and is missing without an ordered quantity", () => {
    expect(fillRatioPct({ fill_ratio: null, ordered_quantity: 8, filled_quantity: 6 })).toBe(75);
    expect(fillRatioPct({ fill_ratio: null, ordered_quantity: 0, filled_quantity: 0 })).toBeNull();
  });
});

describe("referencePrice", () => {
  it("follows analytics.md per order type", () => {
    expect(referencePrice({ order_type: "LIMIT", price: 10, stop_price: 9 })).toBe(10);
    expect(referencePrice({ order_type: "STOP_LIMIT", price: 10, stop_price: 9 })).toBe(10);
    expect(referencePrice({ order_type: "STOP", price: 10, stop_price: 9 })).toBe(9);
    expect(referencePrice({ order_type: "MIT", price: 10, stop_price: null })).toBe(10);
    expect(referencePrice({ order_type: "MARKET", price: 10, stop_price: null })).toBeNull();
    expect(referencePrice({ order_type: "LIMIT", price: null, stop_price: 9 })).toBeNull();
  });
});
