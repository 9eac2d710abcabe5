import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { describe, expect, it, vi } from "vitest";
import type { TradeDetail } from "../api/types";
import { execution, trade, tradeDetail } from "../test/trades";
import TradeDetailPage from "./TradeDetailPage";

// The chart draws on a canvas (jsdom has none); the browser test covers it.
vi.mock("../components/charts/TradeChart", () => ({ TradeChart: () => <div data-testid="trade-chart" /> }));

function renderDetail(detail: TradeDetail) {
  const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  client.setQueryData(["trade", detail.trade.trade_id], detail);
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[`/trades/${detail.trade.trade_id}`]}>
        <Routes>
          <Route path="/trades/:tradeId" element={<TradeDetailPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("TradeDetailPage", () => {
  it("shows an FX trade's prices with 5 decimals and a reversal fill's part in the trade", () => {
    const fills = [
      execution(),
      execution({
        execution_id: "e2",
        side: "SELL",
        exec_time: "2025-01-06T14:32:00Z",
        price: 1.07156,
        quantity: 20000,
        fee: 4.36,
        trade_quantity: 10000,
        trade_fee: 2.18,
      }),
    ];
    renderDetail(tradeDetail(trade(), fills));
    expect(screen.getByTestId("entry-price")).toHaveTextContent(/^1\.09100$/);
    expect(screen.getByTestId("exit-price")).toHaveTextContent(/^1\.07156$/);
    // MAE in money, points (price decimals) and ticks (0.02 / 0.00001).
    expect(screen.getByTestId("mae")).toHaveTextContent(/^200\.00/);
    expect(within(screen.getByTestId("mae")).getByTestId("excursion-points")).toHaveTextContent(
      "0.02000 pts · 2,000 ticks",
    );
    const rows = within(screen.getByTestId("executions-table")).getAllByRole("row").slice(1);
    expect(rows[0]).toHaveTextContent("1.09100");
    expect(rows[1]).toHaveTextContent("10,000 of 20,000");
    expect(rows[1]).toHaveTextContent("2.18");
    expect(rows[1]).not.toHaveTextContent("4.36");
    expect(screen.queryByTestId("point-value-warning")).toBeNull();
  });

  it("shows an ES trade's prices with 2 decimals", () => {
    const es = trade({ symbol: "ES", entry_price: 5012, exit_price: 5013.25, price_decimals: 2, mae_points: 1.5 });
    renderDetail(
      tradeDetail(es, [execution({ symbol: "ES", price: 5012, quantity: 2, trade_quantity: 2 })], {
        tick_size: 0.25,
        point_value: 50,
      }),
    );
    expect(screen.getByTestId("entry-price")).toHaveTextContent(/^5,012\.00$/);
    expect(screen.getByTestId("exit-price")).toHaveTextContent(/^5,013\.25$/);
    expect(screen.getByTestId("mae")).toHaveTextContent("1.50 pts · 6 ticks");
    expect(screen.getByTestId("mae")).not.toHaveTextContent("1.500");
  });

  it("warns when the symbol has no point value, with a link to set it", () => {
    renderDetail(tradeDetail(trade({ symbol: "6E", point_value_missing: true }), [execution()]));
    const warning = screen.getByTestId("point-value-warning");
    expect(warning).toHaveTextContent("No point value for 6E");
    expect(within(warning).getByRole("link", { name: "6E" })).toHaveAttribute(
      "href",
      "/data?instrument=6E#instruments",
    );
  });
});
