import { describe, expect, it } from "vitest";
import { excursionLevels, seriesPriceFormat } from "./TradeChart";

describe("seriesPriceFormat", () => {
  it("gives the price axis and crosshair the symbol's decimals and tick", () => {
    expect(seriesPriceFormat(5, 0.00001)).toEqual({ type: "price", precision: 5, minMove: 0.00001 });
    expect(seriesPriceFormat(2, 0.25)).toEqual({ type: "price", precision: 2, minMove: 0.25 });
    // No tick size: one unit of the last decimal.
    expect(seriesPriceFormat(3, null).minMove).toBeCloseTo(0.001, 12);
  });
});

describe("excursionLevels", () => {
  it("places MAE and MFE against and with the trade", () => {
    const base = { entry_price: 100, exit_price: 101, mae_points: 2, mfe_points: 3, price_decimals: 2 };
    expect(excursionLevels({ ...base, side: "LONG" })).toEqual({ mae: 98, mfe: 103 });
    expect(excursionLevels({ ...base, side: "SHORT" })).toEqual({ mae: 102, mfe: 97 });
  });
});
