import { describe, expect, it } from "vitest";
import { containingBarIndex, executionRole } from "./markers";

const t = (iso: string) => Date.parse(iso) / 1000;
const bars = [
  t("2025-01-06T14:30:00Z"),
  t("2025-01-06T14:31:00Z"),
  t("2025-01-06T14:32:00Z"),
  t("2025-01-06T14:33:00Z"),
];

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
