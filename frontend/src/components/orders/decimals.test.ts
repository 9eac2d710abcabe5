import { describe, expect, it } from "vitest";
import { symbolDecimals, writtenDecimals } from "./decimals";

describe("writtenDecimals", () => {
  it("counts the decimals of the shortest form", () => {
    expect(writtenDecimals(5012)).toBe(0);
    expect(writtenDecimals(5012.25)).toBe(2);
    expect(writtenDecimals(1.091)).toBe(3);
    expect(writtenDecimals(1e-7)).toBe(7);
    expect(writtenDecimals(1.5e-7)).toBe(8);
  });
});

describe("symbolDecimals", () => {
  it("prefers the answer's decimals, then the instrument's, then the prices written", () => {
    const d = symbolDecimals(
      [
        { symbol: "ES", price: 5012.5, price_decimals: 2 },
        { symbol: "NQ", price: 18000.25 },
        { symbol: "EURUSD", price: 1.0915, stop_price: 1.09 },
        { symbol: "CL", price: null },
      ],
      new Map([["NQ", 2]]),
    );
    expect(Object.fromEntries(d)).toEqual({ ES: 2, NQ: 2, EURUSD: 4, CL: 2 });
  });
});
