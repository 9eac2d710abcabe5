import { describe, expect, it } from "vitest";
import { basisFor, convertMoney, fmtUnit } from "./units";

const ES = { pointValue: 50, tickSize: 0.25, decimals: 2 };

describe("display units", () => {
  it("converts money to points and ticks", () => {
    expect(convertMoney(1250, "points", ES)).toEqual({ value: 25 });
    expect(convertMoney(1250, "ticks", ES)).toEqual({ value: 100 });
    expect(fmtUnit(1250, "currency", ES)).toBe("1,250.00");
    expect(fmtUnit(1250, "points", ES)).toBe("25.00 pts");
    expect(fmtUnit(-1250, "ticks", ES)).toBe("-100 ticks");
  });

  it("shows points in the instrument's decimals", () => {
    const eurusd = { pointValue: 100000, tickSize: 0.00001, decimals: 5 };
    expect(fmtUnit(12.5, "points", eurusd)).toBe("0.00013 pts");
    expect(fmtUnit(12.5, "ticks", eurusd)).toBe("12.5 ticks");
  });

  it("says missing instead of falling back to another unit", () => {
    const noPv = { pointValue: null, tickSize: 0.25, decimals: 2 };
    expect(fmtUnit(100, "points", noPv)).toBe("missing: no point value");
    expect(fmtUnit(100, "currency", noPv)).toBe("100.00");
    const noTick = { pointValue: 50, tickSize: null, decimals: 2 };
    expect(fmtUnit(100, "points", noTick)).toBe("2.00 pts");
    expect(fmtUnit(100, "ticks", noTick)).toBe("missing: no tick size");
    expect(fmtUnit(null, "ticks", ES)).toBe("—");
  });

  it("has one basis only when every symbol shares it and is configured", () => {
    const inst = [
      { symbol: "ES", point_value: 50, tick_size: 0.25, configured: true, price_decimals: 2 },
      { symbol: "NQ", point_value: 20, tick_size: 0.25, configured: true, price_decimals: 2 },
      { symbol: "XX", point_value: 1, tick_size: null, configured: false, price_decimals: 3 },
    ];
    expect(basisFor(["ES"], inst)).toEqual({ pointValue: 50, tickSize: 0.25, decimals: 2 });
    const mixed = basisFor(["ES", "NQ"], inst);
    expect(mixed.pointValue).toBeNull();
    expect(fmtUnit(100, "points", mixed)).toBe("missing: symbols of different point values");
    expect(basisFor(["XX"], inst).pointValue).toBeNull();
    expect(basisFor(["ZZ"], inst).pointValue).toBeNull();
  });
});
