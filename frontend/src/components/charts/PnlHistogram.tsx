import { createOptionsChart, HistogramSeries, type MouseEventParams } from "lightweight-charts";
import { useEffect, useRef, useState } from "react";
import { fmtAxisMoney, fmtMoney } from "../../format";
import { plural } from "../../text";
import { Attribution, ChartTip, type TipState } from "./ChartTip";
import { histogramBars, padded, type Bucket } from "./series";
import { baseChartOptions, CHART_COLORS } from "./theme";

/** Distribution of closed trades' net PnL on a numeric axis (x: PnL, y: trades); a bucket's
 * range and count on hover. */
export function PnlHistogram({ buckets, height = 260 }: { buckets: readonly Bucket[]; height?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const [tip, setTip] = useState<TipState | null>(null);

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
      // The horizontal axis is PnL (bucket middles), the vertical one a count of trades.
      localization: { precision: 0, timeFormatter: (v: number) => fmtAxisMoney(v) },
    });
    const series = chart.addSeries(HistogramSeries, {
      priceLineVisible: false,
      lastValueVisible: false,
      priceFormat: { type: "price", precision: 0, minMove: 1 },
    });
    series.setData(padded(histogramBars(buckets, CHART_COLORS.up, CHART_COLORS.down)));
    chart.timeScale().fitContent();
    const onMove = (param: MouseEventParams<number>) => {
      const bucket = buckets.find((b) => (b.lower + b.upper) / 2 === param.time);
      if (!param.point || !bucket) {
        setTip(null);
        return;
      }
      setTip({
        x: param.point.x,
        y: param.point.y,
        content: (
          <>
            <div className="dim">
              net PnL {fmtMoney(bucket.lower)} to {fmtMoney(bucket.upper)}
            </div>
            <div>{plural(bucket.count, "trade")}</div>
          </>
        ),
      });
    };
    chart.subscribeCrosshairMove(onMove);
    return () => {
      chart.unsubscribeCrosshairMove(onMove);
      chart.remove();
    };
  }, [buckets, height]);

  return (
    <div>
      <div ref={container} className="chart-box" style={{ height }} data-testid="pnl-histogram">
        <ChartTip tip={tip} width={container.current?.clientWidth ?? 0} />
      </div>
      <div className="chart-legend">
        <Attribution />
      </div>
    </div>
  );
}
