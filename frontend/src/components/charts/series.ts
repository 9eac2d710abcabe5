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

/** Histogram bars on a numeric axis: one per bucket at its middle, red below zero. */
export function histogramBars(buckets: readonly Bucket[], up: string, down: string) {
  return buckets.map((b) => {
    const mid = (b.lower + b.upper) / 2;
    return { time: mid, value: b.count, color: mid < 0 ? down : up };
  });
}

/** An empty slot either side, so the outer axis labels are not cut at the chart's edges. */
export function padded<T extends { time: number }>(bars: T[]): (T | { time: number })[] {
  const first = bars[0];
  const last = bars[bars.length - 1];
  if (!first || !last) return bars;
  const step = bars.length > 1 ? (last.time - first.time) / (bars.length - 1) : 1;
  return [{ time: first.time - step }, ...bars, { time: last.time + step }];
}
