import { describe, expect, it } from "vitest";
import { levelMarkers, levelTitle, orderLevels, UNFILLED_COLOR, waitingPrice } from "./orderLevels";

const t = (iso: string) => Date.parse(iso) / 1000;
const bars = [t("2025-01-06T14:30:00Z"), t("2025-01-06T14:31:00Z"), t("2025-01-06T14:32:00Z")];

function order(id: string, type: string, price: number | null, stop: number | null, time = "2025-01-06T14:31:20Z") {
  return { order_id: id, side: "SELL", order_type: type, submit_time: time, price, stop_price: stop, status: "CANCELED", signal: id };
}

describe("waitingPrice", () => {
  it("is the stop for stops, the price for limits, none for market orders", () => {
    expect(waitingPrice(order("a", "LIMIT", 10, null))).toBe(10);
    expect(waitingPrice(order("a", "STOP", 10, 9))).toBe(9);
    expect(waitingPrice(order("a", "MIT", 10, null))).toBe(10);
    expect(waitingPrice(order("a", "STOP_LIMIT", 10, 9.5))).toBe(9.5);
    expect(waitingPrice(order("a", "MARKET", null, null))).toBeNull();
  });
});

describe("orderLevels", () => {
  it("places each unfilled order with a price at the bar it was submitted in, in time order", () => {
    const levels = orderLevels(
      [
        order("target", "LIMIT", 6016, null, "2025-01-06T14:32:10Z"),
        order("mkt", "MARKET", null, null),
        order("stop", "STOP", null, 6008, "2025-01-06T14:30:59Z"),
      ],
      bars,
    );
    expect(levels.map((l) => [l.order_id, l.time, l.price])).toEqual([
      ["stop", bars[0], 6008],
      ["target", bars[2], 6016],
    ]);
  });
  it("keeps the order's own time without bars", () => {
    expect(orderLevels([order("x", "LIMIT", 1, null)])[0]?.time).toBe(t("2025-01-06T14:31:20Z"));
  });
});

describe("levelMarkers", () => {
  it("draws hollow circles in their own colour, labelled with the signal and the price", () => {
    const [m] = levelMarkers(orderLevels([order("Profit target", "LIMIT", 6016, null)], bars), true, 2);
    expect(m).toMatchObject({ shape: "circle", color: UNFILLED_COLOR, price: 6016, position: "atPriceMiddle" });
    expect(m?.text).toBe("SELL LIMIT Profit target · canceled @ 6,016.00");
    expect(levelMarkers(orderLevels([order("x", "LIMIT", 1, null)]), false, 2)[0]?.text).toBe("");
  });
  it("titles a level with side, type, signal and status", () => {
    expect(levelTitle({ side: "BUY", order_type: "STOP", signal: "Stop", status: "EXPIRED" })).toBe("BUY STOP Stop · expired");
  });
});
