// Pure data shaping for the run charts (tested without a browser).
import type { UTCTimestamp } from "lightweight-charts";
import { toEpochSeconds } from "../../format";

export interface EquityPointIn {
  time: string;
  equity: number;
  drawdown: number;
}

export interface TimeValue {
  time: UTCTimestamp;
  value: number;
}

/**
 * Equity and drawdown series with strictly ascending whole-second times, as the chart
 * requires: of several points in one second, the last one (the state after them) stays.
 */
export function equitySeries(points: readonly EquityPointIn[]): { equity: TimeValue[]; drawdown: TimeValue[] } {
  const equity: TimeValue[] = [];
  const drawdown: TimeValue[] = [];
  for (const p of points) {
    const time = Math.floor(toEpochSeconds(p.time)) as UTCTimestamp;
    const prev = equity[equity.length - 1];
    if (prev && time < prev.time) continue;
    if (prev && prev.time === time) {
      prev.value = p.equity;
      (drawdown[drawdown.length - 1] as TimeValue).value = p.drawdown;
    } else {
      equity.push({ time, value: p.equity });
      drawdown.push({ time, value: p.drawdown });
    }
  }
  return { equity, drawdown };
}

export interface Bucket {
  lower: number;
  upper: number;
  count: number;
}
