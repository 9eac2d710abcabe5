import { describe, expect, it } from "vitest";
import { crowded, groupFills, groupLabel, groupMarkers, MAX_LABELLED } from "./fillGroups";
import { MARKER_COLORS } from "./markers";

const t = (iso: string) => Date.parse(iso) / 1000;
const bars = Array.from({ length: 30 }, (_, i) => t("2025-01-06T14:30:00Z") + 60 * i);

function ex(id: string, side: string, time: string, price: number, quantity = 1) {
  return { execution_id: id, side, exec_time: time, price, quantity };
}

describe("groupFills", () => {
  it("combines fills of one bar with the same role and side, at their average price", () => {
    const groups = groupFills(
      { side: "LONG" },
      [
        ex("e1", "BUY", "2025-01-06T14:30:05Z", 100, 1),
        ex("e2", "BUY", "2025-01-06T14:30:40Z", 103, 2),
        ex("e3", "SELL", "2025-01-06T14:30:50Z", 104, 1),
        ex("e4", "BUY", "2025-01-06T14:35:00Z", 101, 1),
      ],
      bars,
    );
    expect(groups.map((g) => [g.time, g.role, g.fills.map((f) => f.execution_id), g.quantity, g.price])).toEqual([
      [bars[0], "entry", ["e1", "e2"], 3, 102],
      [bars[0], "exit", ["e3"], 1, 104],
      [bars[5], "entry", ["e4"], 1, 101],
    ]);
  });

  it("without bars groups fills of the same instant", () => {
    const groups = groupFills({ side: "SHORT" }, [
      ex("a", "SELL", "2025-01-06T14:30:05Z", 10),
      ex("b", "SELL", "2025-01-06T14:30:05Z", 10),
      ex("c", "SELL", "2025-01-06T14:30:06Z", 10),
    ]);
    expect(groups.map((g) => g.fills.length)).toEqual([2, 1]);
  });
});

describe("groupMarkers", () => {
  it("points buys up from below and sells down from above; entries green or red, exits amber", () => {
    const groups = groupFills(
      { side: "SHORT" },
      [ex("s1", "SELL", "2025-01-06T14:30:00Z", 100), ex("s2", "BUY", "2025-01-06T14:33:30Z", 99)],
      bars,
    );
    const [entry, exit] = groupMarkers(groups, true);
    expect(entry).toMatchObject({ shape: "arrowDown", position: "atPriceTop", color: MARKER_COLORS.entrySell, text: "In S 1", price: 100 });
    expect(exit).toMatchObject({ shape: "arrowUp", position: "atPriceBottom", color: MARKER_COLORS.exitBuy, text: "Out B 1", time: bars[3] });
  });
});

describe("labels", () => {
  it("show on markers that have room, with the number of fills combined", () => {
    const groups = groupFills(
      { side: "LONG" },
      [ex("e1", "BUY", "2025-01-06T14:30:05Z", 100), ex("e2", "BUY", "2025-01-06T14:30:06Z", 100), ex("e3", "SELL", "2025-01-06T14:40:00Z", 105)],
      bars,
    );
    expect(crowded(groups, bars)).toBe(false);
    expect(groupMarkers(groups, true).map((m) => m.text)).toEqual(["In B 2 ×2", "Out S 1"]);
  });

  it("are hidden when markers share a bar, sit close, or are many", () => {
    const sameBar = groupFills({ side: "LONG" }, [ex("a", "BUY", "2025-01-06T14:30:05Z", 1), ex("b", "SELL", "2025-01-06T14:30:09Z", 2)], bars);
    expect(crowded(sameBar, bars)).toBe(true);
    const close = groupFills({ side: "LONG" }, [ex("a", "BUY", "2025-01-06T14:30:05Z", 1), ex("b", "SELL", "2025-01-06T14:31:09Z", 2)], bars);
    expect(crowded(close, bars)).toBe(true);
    const many = Array.from({ length: MAX_LABELLED + 1 }, (_, i) => ({ time: i * 1000, role: "entry" as const, buy: true, fills: [], quantity: 1, price: 1 }));
    expect(crowded(many, [])).toBe(true);
    expect(groupMarkers(sameBar, false).every((m) => m.text === "")).toBe(true);
  });
});

describe("labels with the symbol's decimals", () => {
  it("give the price in the symbol's decimals and the trade's part of a split fill", () => {
    const fx = groupFills({ side: "LONG" }, [
      ex("a", "BUY", "2025-01-06T14:30:00Z", 1.091, 10000),
      { ...ex("b", "SELL", "2025-01-06T14:32:00Z", 1.07156, 20000), trade_quantity: 10000 },
    ]);
    expect(groupMarkers(fx, true, 5).map((m) => m.text)).toEqual(["In B 10,000 @ 1.09100", "Out S 10,000 @ 1.07156"]);
    const es = groupFills({ side: "SHORT" }, [ex("c", "SELL", "2025-01-06T14:30:00Z", 5012, 2)]);
    expect(groupLabel(es[0]!, 2)).toBe("In S 2 @ 5,012.00");
    expect(groupLabel(es[0]!)).toBe("In S 2");
  });
});

describe("groupLabel with signals", () => {
  it("ends with the distinct signal names of the group's fills", () => {
    const [g] = groupFills(
      { side: "LONG" },
      [
        { ...ex("e1", "BUY", "2025-01-06T14:30:05Z", 100), signal: "Breakout" },
        { ...ex("e2", "BUY", "2025-01-06T14:30:06Z", 100), signal: "Breakout" },
        { ...ex("e3", "BUY", "2025-01-06T14:30:07Z", 100), signal: "Add" },
        { ...ex("e4", "BUY", "2025-01-06T14:30:08Z", 100), signal: null },
      ],
      bars,
    );
    expect(groupLabel(g!, 2)).toBe("In B 4 ×4 @ 100.00 · Breakout, Add");
  });
});
