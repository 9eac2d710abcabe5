import { describe, expect, it } from "vitest";
import { liquidityShares, slippageDecimals } from "./ExecutionQualityPanel";

describe("liquidityShares", () => {
  it("gives each flag's share of fills and quantity", () => {
    const rows = liquidityShares([
      { key: "MAKER", executions: 1, quantity: 3, fees: 0.5 },
      { key: "TAKER", executions: 3, quantity: 1, fees: 2 },
    ]);
    expect(rows.map((r) => [r.key, r.executionShare, r.quantityShare])).toEqual([
      ["MAKER", 25, 75],
      ["TAKER", 75, 25],
    ]);
  });
  it("leaves shares missing without executions", () => {
    expect(liquidityShares([{ key: "UNKNOWN", executions: 0, quantity: 0, fees: 0 }])[0]?.executionShare).toBeNull();
  });
});

describe("slippageDecimals", () => {
  const instruments = new Map([
    ["ES", 2],
    ["EURUSD", 5],
  ]);
  it("takes the answer's, else the symbol's, else the most of the run's symbols", () => {
    expect(slippageDecimals(4, "", ["ES"], instruments)).toBe(4);
    expect(slippageDecimals(undefined, "ES", ["ES", "EURUSD"], instruments)).toBe(2);
    expect(slippageDecimals(undefined, "", ["ES", "EURUSD"], instruments)).toBe(5);
    expect(slippageDecimals(undefined, "", ["XX"], instruments)).toBe(2);
  });
});
