import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ReconciliationBadge, reconciliationVerdict } from "./ReconciliationBadge";

describe("reconciliationVerdict", () => {
  it("is none when the strategy reported nothing", () => {
    expect(reconciliationVerdict(null)).toBe("none");
    expect(reconciliationVerdict({ platform_net_pnl: 5 })).toBe("none");
  });
  it("uses the server's verdict when given", () => {
    expect(reconciliationVerdict({ reported_net_pnl: 1, matches: false })).toBe("mismatch");
  });
  it("compares the differences otherwise", () => {
    expect(reconciliationVerdict({ reported_net_pnl: 10, net_pnl_difference: 0, trade_count_difference: 0 })).toBe("match");
    expect(reconciliationVerdict({ reported_net_pnl: 10, net_pnl_difference: -2.5 })).toBe("mismatch");
    expect(reconciliationVerdict({ reported_trade_count: 3, trade_count_difference: 1 })).toBe("mismatch");
  });
});

describe("ReconciliationBadge", () => {
  it("shows the PnL difference when the figures disagree", () => {
    render(<ReconciliationBadge data={{ reported_net_pnl: 100, platform_net_pnl: 90, net_pnl_difference: -10 }} />);
    const badge = screen.getByTestId("reconciliation");
    expect(badge).toHaveAttribute("data-verdict", "mismatch");
    expect(badge).toHaveTextContent("(-10.00)");
    expect(badge.title).toContain("strategy 100.00, platform 90.00");
  });
});
