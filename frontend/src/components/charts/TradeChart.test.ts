import { describe, expect, it } from "vitest";
import { excursionLevels, seriesPriceFormat } from "./TradeChart";

describe("seriesPriceFormat", () => {
  it("gives the price axis and crosshair the symbol's decimals", () => {
    expect(seriesPriceFormat(5)).toEqual({ type: "price", precision: 5, minMove: 0.00001 });
    // A step of one cent, not the 0.25 tick: an average entry keeps its cents.
    expect(seriesPriceFormat(2)).toEqual({ type: "price", precision: 2, minMove: 0.01 });
    expect(seriesPriceFormat(0)).toEqual({ type: "price", precision: 0, minMove: 1 });
  });
});

describe("excursionLevels", () => {
  it("places MAE and MFE against and with the trade", () => {
    const base = { entry_price: 100, exit_price: 101, mae_points: 2, mfe_points: 3, price_decimals: 2 };
    expect(excursionLevels({ ...base, side: "LONG" })).toEqual({ mae: 98, mfe: 103 });
    expect(excursionLevels({ ...base, side: "SHORT" })).toEqual({ mae: 102, mfe: 97 });
  });
});
