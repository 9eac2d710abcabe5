import { describe, expect, it } from "vitest";
import { exampleLink } from "./examples";

describe("exampleLink", () => {
  it("links a trade example to the trade", () => {
    expect(exampleLink("r 1", "open_at_end", "t-9")).toEqual({ label: "t-9", kind: "trade_id", href: "/trades/t-9" });
  });
  it("links an order example to the run's orders opened on it", () => {
    expect(exampleLink("r 1", "overfilled_order", "o/1").href).toBe("/runs/r%201/orders?order=o%2F1");
  });
  it("links a symbol without point value to the instrument editor, else to its trades", () => {
    expect(exampleLink("r", "point_value_missing", "ES").href).toBe("/data?instrument=ES#instruments");
    expect(exampleLink("r", "no_bars", "NQ").href).toBe("/runs/r/trades?symbol=NQ");
  });
  it("links an execution through its trade or order when the example names them", () => {
    expect(exampleLink("r", "fill_outside_bar", { execution_id: "e-1", trade_id: "t-1" })).toEqual({
      label: "e-1",
      kind: "execution_id",
      href: "/trades/t-1",
    });
    expect(exampleLink("r", "fill_outside_bar", { execution_id: "e-1", order_id: "o-1" }).href).toBe("/runs/r/orders?order=o-1");
    expect(exampleLink("r", "fill_outside_bar", "e-1").href).toBeNull();
  });
  it("does not link an execution to an order that is not stored", () => {
    expect(exampleLink("r", "execution_without_order", { execution_id: "e-2", order_id: "gone" }).href).toBeNull();
  });
  it("shows a gap by its start and symbol, without a link", () => {
    expect(exampleLink("r", "bar_gap", { symbol: "ES", start: "2025-01-06T14:00:00Z" })).toEqual({
      label: "ES · 2025-01-06T14:00:00Z",
      kind: "gap_start",
      href: null,
    });
  });
  it("infers the kind from the example for a check it does not know", () => {
    expect(exampleLink("r", "new_check", { trade_id: "t-3" }).href).toBe("/trades/t-3");
  });
});
