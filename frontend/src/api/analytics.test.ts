import { describe, expect, it } from "vitest";
import { breakdownCsvPath, comparedRuns, statisticsOf, tradesCsvPath } from "./analytics";

describe("analysis answers", () => {
  it("reads statistics wrapped or bare", () => {
    expect(statisticsOf({ run_id: "r", statistics: { total_trades: 3 } })).toEqual({ total_trades: 3 });
    expect(statisticsOf({ total_trades: 4 })).toEqual({ total_trades: 4 });
    expect(statisticsOf({ statistics: null })).toBeNull();
  });

  it("orders compared runs as asked and finds their curves", () => {
    const body = {
      runs: [
        { run_id: "b", statistics: { total_trades: 2 }, equity: { points: [{ time: "t", equity: 1, drawdown: 0 }] } },
        { run_id: "a", stats: { total_trades: 1 }, equity: [] },
      ],
    };
    const runs = comparedRuns(body, ["a", "b"]);
    expect(runs.map((r) => r.run_id)).toEqual(["a", "b"]);
    expect(runs[0]!.statistics).toEqual({ total_trades: 1 });
    expect(runs[1]!.equity).toHaveLength(1);
  });

  it("asks for the CSV with the list's filters and without its page", () => {
    expect(tradesCsvPath({ run_id: "r 1", side: "LONG", limit: 100, offset: 200, cursor: "c", sort: "-pnl_net" })).toBe(
      "/api/trades?run_id=r+1&side=LONG&sort=-pnl_net&format=csv",
    );
    expect(breakdownCsvPath("r", "day", "America/New_York", { side: "short" })).toBe(
      "/api/runs/r/breakdown?by=day&tz=America%2FNew_York&side=short&format=csv",
    );
  });
});
