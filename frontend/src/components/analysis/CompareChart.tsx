import { createChart, LineSeries } from "lightweight-charts";
import { useEffect, useMemo, useRef } from "react";
import type { ComparedRun } from "../../api/analytics";
import { Attribution } from "../charts/ChartTip";
import { equitySeries } from "../charts/series";
import { moneyCurveChartOptions } from "../charts/theme";

export const RUN_COLORS = ["#4c8dff", "#f0b429", "#26a69a", "#c678dd", "#ef5350", "#56b6c2"];

/** The runs' equity curves on one time axis, their drawdowns in a pane below. */
export function CompareChart({ runs, names, height = 380 }: { runs: readonly ComparedRun[]; names: readonly string[]; height?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const series = useMemo(() => runs.map((r) => equitySeries(r.equity)), [runs]);

  useEffect(() => {
    const el = container.current;
    if (!el) return undefined;
    const chart = createChart(el, moneyCurveChartOptions(height));
    series.forEach((s, i) => {
      const color = RUN_COLORS[i % RUN_COLORS.length];
      chart.addSeries(LineSeries, { color, lineWidth: 2, priceLineVisible: false }).setData(s.equity);
      chart.addSeries(LineSeries, { color, lineWidth: 1, priceLineVisible: false, lastValueVisible: false }, 1).setData(s.drawdown);
    });
    chart.panes()[1]?.setHeight(Math.round(height * 0.3));
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [series, height]);

  return (
    <div>
      <div
        ref={container}
        className="chart-box"
        style={{ height }}
        data-testid="compare-chart"
        data-series={series.filter((s) => s.equity.length > 0).length}
      />
      <div className="chart-legend">
        {names.map((n, i) => (
          <span key={i} data-testid="compare-legend">
            <i style={{ background: RUN_COLORS[i % RUN_COLORS.length] }} />
            {n}
          </span>
        ))}
        <span className="faint">equity above, drawdown from the peak below</span>
        <Attribution />
      </div>
    </div>
  );
}
