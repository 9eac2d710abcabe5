import { describe, expect, it } from "vitest";
import { containingBarIndex, executionMarkers, executionRole, MARKER_COLORS } from "./markers";

const t = (iso: string) => Date.parse(iso) / 1000;
const bars = [
  t("2025-01-06T14:30:00Z"),
  t("2025-01-06T14:31:00Z"),
  t("2025-01-06T14:32:00Z"),
  t("2025-01-06T14:33:00Z"),
];

function ex(id: string, side: string, time: string, price: number, quantity = 1) {
  return { execution_id: id, side, exec_time: time, price, quantity };
}

describe("executionRole", () => {
  it("treats buys as entries of a long trade and sells as exits", () => {
    expect(executionRole({ side: "LONG" }, "BUY")).toBe("entry");
    expect(executionRole({ side: "LONG" }, "SELL")).toBe("exit");
  });
  it("treats sells as entries of a short trade and buys as exits", () => {
    expect(executionRole({ side: "SHORT" }, "SELL")).toBe("entry");
    expect(executionRole({ side: "SHORT" }, "buy")).toBe("exit");
  });
});

describe("containingBarIndex", () => {
  it("finds the last bar starting at or before the time", () => {
    expect(containingBarIndex(bars, t("2025-01-06T14:31:00Z"))).toBe(1);
    expect(containingBarIndex(bars, t("2025-01-06T14:31:59.5Z"))).toBe(1);
    expect(containingBarIndex(bars, t("2025-01-06T14:40:00Z"))).toBe(3);
  });
  it("clamps times before the first bar and reports no bars", () => {
    expect(containingBarIndex(bars, t("2025-01-06T14:00:00Z"))).toBe(0);
    expect(containingBarIndex([], 5)).toBe(-1);
  });
});

describe("executionMarkers", () => {
  const executions = [
    ex("e1", "BUY", "2025-01-06T14:30:12.250Z", 6012.25, 2),
    ex("e2", "BUY", "2025-01-06T14:31:40Z", 6011.0, 1),
    ex("e3", "SELL", "2025-01-06T14:32:05Z", 6015.5, 1),
    ex("e4", "SELL", "2025-01-06T14:32:05Z", 6015.75, 2),
  ];

  it("makes one marker per execution at its fill price, snapped to its bar", () => {
    const markers = executionMarkers({ side: "LONG" }, executions, bars);
    expect(markers).toHaveLength(4);
    expect(markers.map((m) => m.id)).toEqual(["e1", "e2", "e3", "e4"]);
    expect(markers.map((m) => m.price)).toEqual([6012.25, 6011.0, 6015.5, 6015.75]);
    expect(markers.map((m) => m.time)).toEqual([bars[0], bars[1], bars[2], bars[2]]);
  });

  it("distinguishes buy from sell and entry from exit", () => {
    const [entry, , exit] = executionMarkers({ side: "LONG" }, executions, bars);
    expect(entry).toMatchObject({ shape: "arrowUp", position: "atPriceBottom", color: MARKER_COLORS.entryBuy });
    expect(entry?.text).toBe("In B 2");
    expect(exit).toMatchObject({ shape: "arrowDown", position: "atPriceTop", color: MARKER_COLORS.exitSell });
    expect(exit?.text).toBe("Out S 1");
  });

  it("marks a short trade's sells as entries and buys as exits", () => {
    const markers = executionMarkers(
      { side: "SHORT" },
      [ex("s1", "SELL", "2025-01-06T14:30:00Z", 100), ex("s2", "BUY", "2025-01-06T14:33:30Z", 99)],
      bars,
    );
    expect(markers.map((m) => m.text)).toEqual(["In S 1", "Out B 1"]);
    expect(markers[0]?.color).toBe(MARKER_COLORS.entrySell);
    expect(markers[1]?.color).toBe(MARKER_COLORS.exitBuy);
  });

  it("labels each fill with its price in the symbol's decimals and the trade's part", () => {
    const fx = { side: "LONG" as const, price_decimals: 5 };
    const [entry, exit] = executionMarkers(fx, [
      ex("a", "BUY", "2025-01-06T14:30:00Z", 1.091, 10000),
      { ...ex("b", "SELL", "2025-01-06T14:32:00Z", 1.07156, 20000), trade_quantity: 10000 },
    ]);
    expect(entry?.text).toBe("In B 10,000 @ 1.09100");
    expect(exit?.text).toBe("Out S 10,000 @ 1.07156");
    const [es] = executionMarkers({ side: "SHORT", price_decimals: 2 }, [ex("c", "SELL", "2025-01-06T14:30:00Z", 5012, 2)]);
    expect(es?.text).toBe("In S 2 @ 5,012.00");
  });

  it("uses the fill time itself when there are no bars, in time order", () => {
    const markers = executionMarkers({ side: "LONG" }, [
      ex("late", "SELL", "2025-01-06T15:00:00Z", 101),
      ex("early", "BUY", "2025-01-06T14:00:00Z", 100),
    ]);
    expect(markers.map((m) => m.id)).toEqual(["early", "late"]);
    expect(markers[0]?.time).toBe(t("2025-01-06T14:00:00Z"));
  });
});
