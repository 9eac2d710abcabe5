// The summary's rows: every statistic of analytics.md's two tables.
import { fmtDuration, fmtEfficiency, fmtInt, fmtPct, fmtRatio } from "../../format";
import { STAT_GROUPS, type StatDef } from "../dashboard/statGroups";
import { fmtUnit, type DisplayUnit, type UnitBasis } from "./units";

export type SummaryKind = StatDef["kind"] | "efficiency" | "decimal";

export interface SummaryDef {
  key: string;
  label: string;
  kind: SummaryKind;
  signed?: boolean;
  /** Which way is better, for the comparison's marks. */
  better?: "higher" | "lower";
}

const BETTER: Record<string, "higher" | "lower"> = {
  net_profit: "higher",
  gross_profit: "higher",
  gross_loss: "higher",
  commission: "lower",
  profit_factor: "higher",
  expectancy: "higher",
  percent_profitable: "higher",
  avg_trade: "higher",
  avg_winning_trade: "higher",
  avg_losing_trade: "higher",
  ratio_avg_win_avg_loss: "higher",
  largest_winning_trade: "higher",
  largest_losing_trade: "higher",
  max_drawdown: "higher",
  max_consecutive_winners: "higher",
  max_consecutive_losers: "lower",
  avg_mae: "lower",
  avg_mfe: "higher",
  avg_etd: "lower",
  profit_per_month: "higher",
  monthly_std: "lower",
  sharpe_ratio: "higher",
  sortino_ratio: "higher",
  ulcer_index: "lower",
  r_squared: "higher",
  sqn: "higher",
  max_runup: "higher",
  max_time_to_recover_seconds: "lower",
  longest_flat_seconds: "lower",
  avg_entry_efficiency: "higher",
  avg_exit_efficiency: "higher",
  avg_total_efficiency: "higher",
};

const RISK: SummaryDef[] = [
  { key: "profit_per_month", label: "Profit per month", kind: "money", signed: true },
  { key: "monthly_std", label: "Monthly std. dev.", kind: "money" },
  { key: "sharpe_ratio", label: "Sharpe ratio", kind: "ratio" },
  { key: "sortino_ratio", label: "Sortino ratio", kind: "ratio" },
  { key: "ulcer_index", label: "Ulcer index", kind: "money" },
  { key: "r_squared", label: "R²", kind: "ratio" },
  { key: "sqn", label: "SQN", kind: "ratio" },
  { key: "max_runup", label: "Max run-up", kind: "money", signed: true },
  { key: "max_time_to_recover_seconds", label: "Max time to recover", kind: "duration" },
  { key: "longest_flat_seconds", label: "Longest flat period", kind: "duration" },
  { key: "time_in_market_percent", label: "Time in market", kind: "pct" },
  { key: "avg_trades_per_day", label: "Avg trades per day", kind: "decimal" },
  { key: "avg_entry_efficiency", label: "Avg entry efficiency", kind: "efficiency" },
  { key: "avg_exit_efficiency", label: "Avg exit efficiency", kind: "efficiency" },
  { key: "avg_total_efficiency", label: "Avg total efficiency", kind: "efficiency" },
];

export const SUMMARY_GROUPS: { title: string; stats: SummaryDef[] }[] = [
  ...STAT_GROUPS.map((g) => ({ title: g.title, stats: g.stats.map((s) => ({ ...s, better: BETTER[s.key] })) })),
  { title: "Risk and time", stats: RISK.map((s) => ({ ...s, better: BETTER[s.key] })) },
];

/** A statistic as text; money in the chosen unit, the rest as it is. */
export function formatSummary(kind: SummaryKind, v: number | null, unit: DisplayUnit, basis: UnitBasis): string {
  switch (kind) {
    case "money":
      return fmtUnit(v, unit, basis);
    case "int":
      return fmtInt(v);
    case "pct":
      return fmtPct(v);
    case "ratio":
    case "decimal":
      return fmtRatio(v);
    case "duration":
      return fmtDuration(v);
    case "efficiency":
      return fmtEfficiency(v);
  }
}

export function statNumber(stats: Record<string, unknown> | null | undefined, key: string): number | null {
  const v = stats?.[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
