import type { ReactNode } from "react";

export interface TipState {
  /** Pixels from the chart box's top-left corner. */
  x: number;
  y: number;
  content: ReactNode;
}

/** A hover box beside the cursor, kept inside the chart box (`width` wide). */
export function ChartTip({ tip, width }: { tip: TipState | null; width: number }) {
  if (!tip) return null;
  const left = tip.x + 14 + 180 > width ? Math.max(0, tip.x - 14 - 180) : tip.x + 14;
  return (
    <div className="chart-tip" style={{ left, top: Math.max(0, tip.y - 10) }} data-testid="chart-tip">
      {tip.content}
    </div>
  );
}

/** The library's licence asks for a link to TradingView: here, not a logo over the data. */
export function Attribution() {
  return (
    <span className="attribution">
      Charts by{" "}
      <a href="https://www.tradingview.com/" target="_blank" rel="noreferrer">
        TradingView
      </a>
    </span>
  );
}
