import { fmtInt, fmtMoney } from "../../format";

export interface ReconciliationData {
  reported_net_pnl?: number | null;
  platform_net_pnl?: number | null;
  net_pnl_difference?: number | null;
  reported_trade_count?: number | null;
  platform_trade_count?: number | null;
  trade_count_difference?: number | null;
  matches?: boolean | null;
}

const PNL_TOLERANCE = 0.005;

/** Whether the strategy's own figures match the platform's (analytics.md reconciliation). */
export function reconciliationVerdict(r: ReconciliationData | null | undefined): "none" | "match" | "mismatch" {
  if (!r || (r.reported_net_pnl == null && r.reported_trade_count == null)) return "none";
  if (r.matches != null) return r.matches ? "match" : "mismatch";
  const pnlOk = r.net_pnl_difference == null || Math.abs(r.net_pnl_difference) <= PNL_TOLERANCE;
  const countOk = r.trade_count_difference == null || r.trade_count_difference === 0;
  return pnlOk && countOk ? "match" : "mismatch";
}

export function ReconciliationBadge({ data }: { data: ReconciliationData | null | undefined }) {
  const verdict = reconciliationVerdict(data);
  if (verdict === "none" || !data) {
    return (
      <span className="badge" data-testid="reconciliation" data-verdict="none" title="The export carries no reported figures">
        not reported by the strategy
      </span>
    );
  }
  const title = [
    data.reported_net_pnl != null &&
      `Net PnL: strategy ${fmtMoney(data.reported_net_pnl)}, platform ${fmtMoney(data.platform_net_pnl)} (diff ${fmtMoney(data.net_pnl_difference)})`,
    data.reported_trade_count != null &&
      `Trades: strategy ${fmtInt(data.reported_trade_count)}, platform ${fmtInt(data.platform_trade_count)} (diff ${fmtInt(data.trade_count_difference)})`,
  ]
    .filter(Boolean)
    .join("\n");
  return (
    <span
      className={`badge ${verdict === "match" ? "ok" : "bad"}`}
      data-testid="reconciliation"
      data-verdict={verdict}
      title={title}
    >
      {verdict === "match" ? "✓ reconciled with strategy" : "≠ differs from strategy"}
      {verdict === "mismatch" && data.net_pnl_difference != null && ` (${fmtMoney(data.net_pnl_difference)})`}
    </span>
  );
}
