import { describe, expect, it } from "vitest";
import { dateRangeError, isIsoDate, listSearch, tradeListContext, tradeQueryFromParams } from "./tradeListParams";
import { pageChange, tradeCountLabel } from "./TradesPage";

describe("tradeQueryFromParams", () => {
  it("maps URL filters to the API's query, dates as whole UTC days", () => {
    const q = tradeQueryFromParams(
      "run-1",
      new URLSearchParams(
        "symbol=ES+12-25&account=Sim101&side=SHORT&status=CLOSED&outcome=losers&tag=late&from=2025-01-06&to=2025-01-31&sort=-pnl_net&offset=200",
      ),
    );
    expect(q).toEqual({
      run_id: "run-1",
      symbol: "ES 12-25",
      account_id: "Sim101",
      side: "SHORT",
      status: "CLOSED",
      outcome: "losers",
      tag: "late",
      from: "2025-01-06T00:00:00Z",
      to: "2025-02-01T00:00:00Z",
      sort: "-pnl_net",
      limit: 100,
      offset: 200,
    });
  });

  it("reads the days in the list's time zone (a calendar day opened in New York)", () => {
    const q = tradeListContext(new URLSearchParams("from=2024-03-10&to=2024-03-10&tz=America/New_York"));
    expect(q.from).toBe("2024-03-10T05:00:00Z");
    expect(q.to).toBe("2024-03-11T04:00:00Z");
    expect(listSearch(new URLSearchParams("from=2024-03-10&tz=America/New_York&x=1"))).toBe(
      "?from=2024-03-10&tz=America%2FNew_York",
    );
    // An unknown zone is UTC.
    expect(tradeListContext(new URLSearchParams("from=2024-03-10&tz=Nowhere")).from).toBe("2024-03-10T00:00:00Z");
  });

  it("ignores values the API would refuse", () => {
    const q = tradeQueryFromParams("r", new URLSearchParams("side=UP&status=x&outcome=all&from=yesterday&to=2025-02-30"));
    expect(q).toEqual({ run_id: "r", sort: "entry_time", limit: 100 });
  });
});

describe("the list a trade is opened from", () => {
  it("carries filters, sort and page; previous/next follow the filters and sort", () => {
    const p = new URLSearchParams("outcome=losers&sort=-pnl_net&offset=300&unknown=1");
    expect(listSearch(p)).toBe("?outcome=losers&sort=-pnl_net&offset=300");
    expect(listSearch(new URLSearchParams("unknown=1"))).toBe("");
    expect(tradeListContext(new URLSearchParams(listSearch(p)))).toEqual({ outcome: "losers", sort: "-pnl_net" });
  });
});

describe("dates", () => {
  it("are real days written YYYY-MM-DD", () => {
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2025-02-29")).toBe(false);
    expect(isIsoDate("01/06/2025")).toBe(false);
  });

  it("From after To is an error with a message", () => {
    expect(dateRangeError(new URLSearchParams("from=2025-02-01&to=2025-01-01"))).toMatch(/after/);
    expect(dateRangeError(new URLSearchParams("from=2025-01-01&to=2025-01-01"))).toBeNull();
  });
});

describe("tradeCountLabel", () => {
  it("says whether open trades are counted (the dashboard counts closed ones)", () => {
    expect(tradeCountLabel(262, "CLOSED")).toBe("262 closed trades");
    expect(tradeCountLabel(263, undefined)).toBe("263 trades, open and closed");
    expect(tradeCountLabel(1, "OPEN")).toBe("1 open trade");
  });
});

describe("moving between pages", () => {
  it("goes to the next page by its cursor and to any other page by its offset", () => {
    expect(pageChange(200, 100, "abc")).toEqual({ offset: "200", cursor: "abc" });
    expect(pageChange(0, 100, "abc")).toEqual({ offset: null, cursor: null });
    expect(pageChange(900, 100, "abc")).toEqual({ offset: "900", cursor: null });
    expect(pageChange(200, 100, null)).toEqual({ offset: "200", cursor: null });
  });

  it("sends a cursor with the offset it was given for, never alone", () => {
    expect(tradeQueryFromParams("r", new URLSearchParams("offset=200&cursor=abc"))).toMatchObject({
      offset: 200,
      cursor: "abc",
    });
    expect(tradeQueryFromParams("r", new URLSearchParams("cursor=abc")).cursor).toBeUndefined();
  });
});
