import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { trade } from "../../test/trades";
import { TradesTable } from "./TradesTable";

describe("TradesTable", () => {
  it("writes each symbol's prices with its own decimals, never trimmed", () => {
    const fx = trade();
    const es = trade({
      trade_id: "t-es",
      symbol: "ES",
      entry_price: 5012,
      exit_price: 5013.25,
      quantity: 2,
      price_decimals: 2,
      entry_signal: null,
      exit_signal: null,
      total_efficiency: null,
    });
    render(
      <MemoryRouter>
        <TradesTable trades={[fx, es]} />
      </MemoryRouter>,
    );
    const [fxRow, esRow] = screen.getAllByTestId("trade-row") as [HTMLElement, HTMLElement];
    // EURUSD: 1.091 is 1.09100, not 1.091 or 1.0910.
    expect(within(fxRow).getByText("1.09100")).toBeInTheDocument();
    expect(within(fxRow).getByText("1.07156")).toBeInTheDocument();
    expect(within(esRow).getByText("5,012.00")).toBeInTheDocument();
    expect(within(esRow).getByText("5,013.25")).toBeInTheDocument();
    // Signals and the total efficiency; missing ones as a dash.
    expect(fxRow).toHaveTextContent("Breakout");
    expect(fxRow).toHaveTextContent("Stop");
    expect(fxRow).toHaveTextContent("-25.0%");
  });

  it("shows money in ticks from each trade's instrument, and missing where it has no point value", () => {
    const es = trade({ trade_id: "t-es", symbol: "ES", price_decimals: 2, pnl_net: 1250, commission: 0, mae: 100, mfe: 0, etd: 0 });
    const xx = trade({ trade_id: "t-xx", symbol: "XX", price_decimals: 2, pnl_net: 30, point_value_missing: true });
    const display = {
      unit: "ticks" as const,
      basisOf: (t: { symbol: string; price_decimals: number }) =>
        t.symbol === "ES"
          ? { pointValue: 50, tickSize: 0.25, decimals: t.price_decimals }
          : { pointValue: null, tickSize: 0.25, decimals: t.price_decimals },
    };
    render(
      <MemoryRouter>
        <TradesTable trades={[es, xx]} display={display} />
      </MemoryRouter>,
    );
    const [esRow, xxRow] = screen.getAllByTestId("trade-row") as [HTMLElement, HTMLElement];
    expect(esRow).toHaveTextContent("100 ticks");
    expect(esRow).toHaveTextContent("8 ticks");
    expect(xxRow).toHaveTextContent("missing: no point value");
    expect(xxRow).not.toHaveTextContent("30.00");
  });
});
