// Every statistic of analytics.md, grouped for the dashboard cards.
import { fmtDuration, fmtInt, fmtMoney, fmtPct, fmtRatio } from "../../format";

export type StatKind = "int" | "money" | "pct" | "ratio" | "duration";

export interface StatDef {
  key: string;
  label: string;
  kind: StatKind;
  /** Colour by sign (green above zero, red below). */
  signed?: boolean;
}

export const STAT_GROUPS: { title: string; stats: StatDef[] }[] = [
  {
    title: "Profit",
    stats: [
      { key: "net_profit", label: "Net profit", kind: "money", signed: true },
      { key: "gross_profit", label: "Gross profit", kind: "money", signed: true },
      { key: "gross_loss", label: "Gross loss", kind: "money", signed: true },
      { key: "commission", label: "Commission", kind: "money" },
      { key: "profit_factor", label: "Profit factor", kind: "ratio" },
      { key: "expectancy", label: "Expectancy", kind: "money", signed: true },
    ],
  },
  {
    title: "Trades",
    stats: [
      { key: "total_trades", label: "Total trades", kind: "int" },
      { key: "winning_trades", label: "Winning trades", kind: "int" },
      { key: "losing_trades", label: "Losing trades", kind: "int" },
      { key: "even_trades", label: "Even trades", kind: "int" },
      { key: "percent_profitable", label: "Percent profitable", kind: "pct" },
    ],
  },
  {
    title: "Per trade",
    stats: [
      { key: "avg_trade", label: "Avg trade", kind: "money", signed: true },
      { key: "avg_winning_trade", label: "Avg winning trade", kind: "money", signed: true },
      { key: "avg_losing_trade", label: "Avg losing trade", kind: "money", signed: true },
      { key: "ratio_avg_win_avg_loss", label: "Avg win / avg loss", kind: "ratio" },
      { key: "largest_winning_trade", label: "Largest winning trade", kind: "money", signed: true },
      { key: "largest_losing_trade", label: "Largest losing trade", kind: "money", signed: true },
    ],
  },
  {
    title: "Risk, excursions, time",
    stats: [
      { key: "max_drawdown", label: "Max drawdown", kind: "money", signed: true },
      { key: "max_consecutive_winners", label: "Max consecutive winners", kind: "int" },
      { key: "max_consecutive_losers", label: "Max consecutive losers", kind: "int" },
      { key: "avg_mae", label: "Avg MAE", kind: "money" },
      { key: "avg_mfe", label: "Avg MFE", kind: "money" },
      { key: "avg_etd", label: "Avg ETD", kind: "money" },
      { key: "avg_duration_seconds", label: "Avg duration", kind: "duration" },
    ],
  },
];

export function formatStat(kind: StatKind, value: number | null | undefined): string {
  switch (kind) {
    case "int":
      return fmtInt(value);
    case "money":
      return fmtMoney(value);
    case "pct":
      return fmtPct(value);
    case "ratio":
      return fmtRatio(value);
    case "duration":
      return fmtDuration(value);
  }
}
