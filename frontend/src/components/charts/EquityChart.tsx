import { AreaSeries, createChart, LineSeries } from "lightweight-charts";
import { useEffect, useMemo, useRef } from "react";
import { fmtAxisMoney } from "../../format";
import { equitySeries, type EquityPointIn } from "./series";
import { baseChartOptions, CHART_COLORS } from "./theme";

/** The closed-trade equity curve with its drawdown in a pane below. */
export function EquityChart({ points, height = 340 }: { points: readonly EquityPointIn[]; height?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const data = useMemo(() => equitySeries(points), [points]);

  useEffect(() => {
    const el = container.current;
    if (!el) return undefined;
    const base = baseChartOptions(height);
    const chart = createChart(el, {
      ...base,
      // A curve of 100,000 trades must fit the width: allow far less than a pixel per point.
      timeScale: { ...base.timeScale, minBarSpacing: 0.0001 },
      localization: { priceFormatter: fmtAxisMoney },
    });
    const equity = chart.addSeries(LineSeries, {
      color: CHART_COLORS.accent,
      lineWidth: 2,
      priceLineVisible: false,
      title: "equity",
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
        title: "drawdown",
      },
      1,
    );
    drawdown.setData(data.drawdown);
    chart.panes()[1]?.setHeight(Math.round(height * 0.3));
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [data, height]);

  return <div ref={container} className="chart-box" style={{ height }} data-testid="equity-chart" />;
}
