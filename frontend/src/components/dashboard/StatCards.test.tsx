import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { StatCards } from "./StatCards";
import { STAT_GROUPS } from "./statGroups";

// Every statistic analytics.md defines (reconciliation has its own badge).
const ANALYTICS_MD = [
  "total_trades",
  "winning_trades",
  "losing_trades",
  "even_trades",
  "net_profit",
  "gross_profit",
  "gross_loss",
  "commission",
  "profit_factor",
  "percent_profitable",
  "avg_trade",
  "avg_winning_trade",
  "avg_losing_trade",
  "ratio_avg_win_avg_loss",
  "largest_winning_trade",
  "largest_losing_trade",
  "max_consecutive_winners",
  "max_consecutive_losers",
  "max_drawdown",
  "avg_mae",
  "avg_mfe",
  "avg_etd",
  "avg_duration_seconds",
  "expectancy",
];

describe("StatCards", () => {
  it("shows every statistic of analytics.md exactly once", () => {
    const keys = STAT_GROUPS.flatMap((g) => g.stats.map((s) => s.key));
    expect([...keys].sort()).toEqual([...ANALYTICS_MD].sort());
  });

  it("formats by kind, colours by sign and shows null as a dash, not 0", () => {
    const { container } = render(
      <StatCards
        stats={{
          net_profit: -1234.5,
          gross_profit: 800,
          percent_profitable: 45.25,
          profit_factor: null,
          avg_duration_seconds: 3725,
          total_trades: 12000,
        }}
      />,
    );
    const value = (key: string) => container.querySelector(`[data-stat=${key}] dd`);
    expect(value("net_profit")).toHaveTextContent("-1,234.50");
    expect(value("net_profit")).toHaveClass("down");
    expect(value("gross_profit")).toHaveClass("up");
    expect(value("percent_profitable")).toHaveTextContent("45.3%");
    expect(value("profit_factor")).toHaveTextContent("—");
    expect(value("avg_duration_seconds")).toHaveTextContent("1h 02m");
    expect(value("total_trades")).toHaveTextContent("12,000");
    expect(screen.getAllByRole("region").length).toBe(STAT_GROUPS.length);
  });
});
