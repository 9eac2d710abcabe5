import { describe, expect, it } from "vitest";
import { equitySeries } from "./series";

describe("equitySeries", () => {
  it("keeps times ascending and unique, the last point of a second winning", () => {
    const { equity, drawdown } = equitySeries([
      { time: "2025-01-06T14:30:00Z", equity: 0, drawdown: 0 },
      { time: "2025-01-06T14:31:00.100Z", equity: 100, drawdown: 0 },
      { time: "2025-01-06T14:31:00.900Z", equity: 40, drawdown: -60 },
      { time: "2025-01-06T14:35:00Z", equity: 140, drawdown: 0 },
    ]);
    const t0 = Date.parse("2025-01-06T14:30:00Z") / 1000;
    expect(equity.map((p) => p.time)).toEqual([t0, t0 + 60, t0 + 300]);
    expect(equity.map((p) => p.value)).toEqual([0, 40, 140]);
    expect(drawdown.map((p) => p.value)).toEqual([0, -60, 0]);
  });

  it("returns empty series for no points", () => {
    expect(equitySeries([])).toEqual({ equity: [], drawdown: [] });
  });
});
