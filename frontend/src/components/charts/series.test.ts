import { describe, expect, it } from "vitest";
import { equitySeries, histogramBars, padded } from "./series";

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

describe("histogramBars", () => {
  it("puts each bucket at its middle, coloured by sign", () => {
    const bars = histogramBars(
      [
        { lower: -100, upper: 0, count: 3 },
        { lower: 0, upper: 100, count: 5 },
      ],
      "g",
      "r",
    );
    expect(bars).toEqual([
      { time: -50, value: 3, color: "r" },
      { time: 50, value: 5, color: "g" },
    ]);
  });
});

describe("padded", () => {
  it("adds an empty slot one step before and after", () => {
    expect(padded([{ time: 10, value: 1 }, { time: 20, value: 2 }, { time: 30, value: 3 }])).toEqual([
      { time: 0 },
      { time: 10, value: 1 },
      { time: 20, value: 2 },
      { time: 30, value: 3 },
      { time: 40 },
    ]);
    expect(padded([])).toEqual([]);
  });
});
