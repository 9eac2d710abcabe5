import { AreaSeries, createChart, LineSeries, type MouseEventParams, type Time } from "lightweight-charts";
import { useEffect, useMemo, useRef, useState } from "react";
import { fmtMoney, fmtTime } from "../../format";
import { Attribution, ChartTip, type TipState } from "./ChartTip";
import { equitySeries, type EquityPointIn } from "./series";
import { CHART_COLORS, moneyCurveChartOptions } from "./theme";

/** The closed-trade equity curve with its drawdown in a pane below; values on hover. */
export function EquityChart({ points, height = 340 }: { points: readonly EquityPointIn[]; height?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const data = useMemo(() => equitySeries(points), [points]);
  const [tip, setTip] = useState<TipState | null>(null);

  useEffect(() => {
    const el = container.current;
    if (!el) return undefined;
    const chart = createChart(el, moneyCurveChartOptions(height));
    const equity = chart.addSeries(LineSeries, {
      color: CHART_COLORS.accent,
      lineWidth: 2,
      priceLineVisible: false,
    });
    equity.setData(data.equity);
    const drawdown = chart.addSeries(
      AreaSeries,
      {
        lineColor: CHART_COLORS.down,
        topColor: "rgba(239, 83, 80, 0.05)",
        bottomColor: "rgba(239, 83, 80, 0.4)",
        lineWidth: 1,
        priceLineVisible: false,
        invertFilledArea: true,
      },
      1,
    );
    drawdown.setData(data.drawdown);
    chart.panes()[1]?.setHeight(Math.round(height * 0.3));
    // About 40 px of room on the left: the first date label is not cut at the chart's edge.
    const last = data.equity.length - 1;
    const perPixel = last / Math.max(200, el.clientWidth - 100);
    chart.timeScale().setVisibleLogicalRange({ from: -Math.max(2, 40 * perPixel), to: last + Math.max(1, 10 * perPixel) });
    const onMove = (param: MouseEventParams<Time>) => {
      const e = param.seriesData.get(equity) as { value?: number } | undefined;
      const d = param.seriesData.get(drawdown) as { value?: number } | undefined;
      if (!param.point || param.time == null || e?.value == null) {
        setTip(null);
        return;
      }
      setTip({
        x: param.point.x,
        y: param.point.y,
        content: (
          <>
            <div className="dim">{fmtTime(new Date((param.time as number) * 1000).toISOString())} UTC</div>
            <div>equity {fmtMoney(e.value)}</div>
            <div className="down">drawdown {fmtMoney(d?.value)}</div>
          </>
        ),
      });
    };
    chart.subscribeCrosshairMove(onMove);
    return () => {
      chart.unsubscribeCrosshairMove(onMove);
      chart.remove();
    };
  }, [data, height]);

  return (
    <div>
      <div ref={container} className="chart-box" style={{ height }} data-testid="equity-chart">
        <ChartTip tip={tip} width={container.current?.clientWidth ?? 0} />
      </div>
      <div className="chart-legend">
        <span>
          <i style={{ background: CHART_COLORS.accent }} />
          equity (net PnL of closed trades)
        </span>
        <span>
          <i style={{ background: CHART_COLORS.down }} />
          drawdown from the peak
        </span>
        <Attribution />
      </div>
    </div>
  );
}
