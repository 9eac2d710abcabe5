import { describe, expect, it } from "vitest";
import { analysisToast } from "./events";

describe("analysisToast", () => {
  it("names the strategy and the run by its id", () => {
    const toast = analysisToast({ strategy_id: "StackedImbalance", run_id: "6f1c", trades: 42 });
    expect(toast).toEqual({
      id: "analysis-6f1c",
      strategyId: "StackedImbalance",
      runId: "6f1c",
      runLabel: "6f1c",
      trades: 42,
    });
  });

  it("names the run by its name when the event has one", () => {
    const toast = analysisToast({ strategy_id: "S", run_id: "6f1c", run_name: "ES session 3", trades: null });
    expect(toast.runLabel).toBe("ES session 3");
    expect(toast.runId).toBe("6f1c");
  });
});
