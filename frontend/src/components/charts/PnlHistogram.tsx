import { createOptionsChart, HistogramSeries } from "lightweight-charts";
import { useEffect, useRef } from "react";
import { histogramBars, padded, type Bucket } from "./series";
import { baseChartOptions, CHART_COLORS } from "./theme";

/** Distribution of closed trades' net PnL on a numeric axis (x: PnL, y: trades). */
export function PnlHistogram({ buckets, height = 260 }: { buckets: readonly Bucket[]; height?: number }) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = container.current;
    if (!el) return undefined;
    const base = baseChartOptions(height);
    const chart = createOptionsChart(el, {
      height,
      autoSize: true,
      layout: base.layout,
      grid: base.grid,
      rightPriceScale: base.rightPriceScale,
      timeScale: { borderColor: CHART_COLORS.border },
      localization: { precision: 0 },
    });
    const series = chart.addSeries(HistogramSeries, {
      priceLineVisible: false,
      lastValueVisible: false,
      priceFormat: { type: "price", precision: 0, minMove: 1 },
    });
    series.setData(padded(histogramBars(buckets, CHART_COLORS.up, CHART_COLORS.down)));
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [buckets, height]);

  return <div ref={container} className="chart-box" style={{ height }} data-testid="pnl-histogram" />;
}
