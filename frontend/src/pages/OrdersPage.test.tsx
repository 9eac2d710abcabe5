import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import type { Order } from "../api/analysis";
import { OrdersTable, orderReason } from "../components/orders/OrdersTable";
import { orderQueryFromParams } from "./OrdersPage";

function order(over: Partial<Order>): Order {
  return {
    order_id: "o-1",
    parent_order_id: null,
    strategy_id: "S",
    account_id: "A",
    symbol: "EURUSD",
    side: "SELL",
    order_type: "LIMIT",
    time_in_force: "GTC",
    submit_time: "2025-01-06T14:30:00Z",
    price: 1.0915,
    stop_price: null,
    quantity: 2,
    status: "CANCELED",
    reject_reason: null,
    cancel_reason: "Stop hit first",
    client_tag: "Profit target",
    signal: "Profit target",
    filled_quantity: 0,
    fill_count: 0,
    average_fill_price: null,
    first_fill_time: null,
    execution_ids: [],
    trade_ids: [],
    price_decimals: 5,
    ...over,
  };
}

describe("orderQueryFromParams", () => {
  it("reads the filters and the page, and ignores a bad offset", () => {
    expect(orderQueryFromParams(new URLSearchParams("status=CANCELED&order_type=STOP&offset=200&order=o-9"))).toEqual({
      limit: 100,
      status: "CANCELED",
      order_type: "STOP",
      order_id: "o-9",
      offset: 200,
    });
    expect(orderQueryFromParams(new URLSearchParams("offset=-3"))).toEqual({ limit: 100 });
  });
});

describe("orderReason", () => {
  it("gives the rejection, else the cancellation reason", () => {
    expect(orderReason({ reject_reason: "margin", cancel_reason: "x" })).toBe("margin");
    expect(orderReason({ reject_reason: null, cancel_reason: null })).toBeNull();
  });
});

describe("OrdersTable", () => {
  it("writes prices in the symbol's decimals, the signal, the reason and links to the trades", () => {
    render(
      <MemoryRouter>
        <OrdersTable
          orders={[
            order({}),
            order({
              order_id: "o-2",
              status: "FILLED",
              order_type: "STOP",
              price: null,
              stop_price: 1.09,
              filled_quantity: 2,
              fill_count: 2,
              average_fill_price: 1.08995,
              execution_ids: ["e-1", "e-2"],
              trade_ids: ["abcdef123456"],
              cancel_reason: null,
            }),
          ]}
          decimals={new Map([["EURUSD", 5]])}
          focus="o-2"
        />
      </MemoryRouter>,
    );
    const rows = screen.getAllByRole("row").slice(1);
    const [cancelled, filled] = rows as [HTMLElement, HTMLElement];
    expect(cancelled).toHaveTextContent("1.09150");
    expect(cancelled).toHaveTextContent("Stop hit first");
    expect(cancelled).toHaveTextContent("Profit target");
    expect(filled).toHaveAttribute("aria-current", "true");
    expect(filled).toHaveTextContent("1.09000");
    expect(filled).toHaveTextContent("1.08995");
    expect(within(filled).getByRole("link", { name: "abcdef12" })).toHaveAttribute("href", "/trades/abcdef123456");
  });
});
