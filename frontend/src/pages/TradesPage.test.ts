import { describe, expect, it } from "vitest";
import { tradeCountLabel, tradeQueryFromParams } from "./TradesPage";

describe("tradeQueryFromParams", () => {
  it("maps URL filters to the API's query, dates as whole UTC days", () => {
    const q = tradeQueryFromParams(
      "run-1",
      new URLSearchParams("symbol=ES+12-25&account=Sim101&side=SHORT&status=CLOSED&outcome=losers&from=2025-01-06&to=2025-01-31&sort=-pnl_net&offset=200"),
    );
    expect(q).toEqual({
      run_id: "run-1",
      symbol: "ES 12-25",
      account_id: "Sim101",
      side: "SHORT",
      status: "CLOSED",
      outcome: "losers",
      from: "2025-01-06T00:00:00Z",
      to: "2025-02-01T00:00:00Z",
      sort: "-pnl_net",
      limit: 100,
      offset: 200,
    });
  });

  it("ignores values the API would refuse", () => {
    const q = tradeQueryFromParams("r", new URLSearchParams("side=UP&status=x&outcome=all&from=yesterday"));
    expect(q).toEqual({ run_id: "r", sort: "entry_time", limit: 100 });
  });
});

describe("tradeCountLabel", () => {
  it("says whether open trades are counted (the dashboard counts closed ones)", () => {
    expect(tradeCountLabel(262, "CLOSED")).toBe("262 closed trades");
    expect(tradeCountLabel(263, undefined)).toBe("263 trades, open and closed");
    expect(tradeCountLabel(1, "OPEN")).toBe("1 open trade");
  });
});
