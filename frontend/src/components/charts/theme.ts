// Chart colours and options shared by every lightweight-charts chart.
import { ColorType, CrosshairMode, type DeepPartial, type TimeChartOptions } from "lightweight-charts";

export const CHART_COLORS = {
  background: "#161a22",
  text: "#8a93a3",
  grid: "#1f2530",
  border: "#262c38",
  up: "#26a69a",
  down: "#ef5350",
  accent: "#4c8dff",
  warn: "#f0b429",
  muted: "#5d6575",
} as const;

export function baseChartOptions(height: number): DeepPartial<TimeChartOptions> {
  return {
    height,
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: CHART_COLORS.background },
      textColor: CHART_COLORS.text,
      fontSize: 11,
      fontFamily: '"JetBrains Mono", Consolas, monospace',
      // The library's licence asks for a link to TradingView: each chart's legend has it
      // (<Attribution />); the logo would sit on the data.
      attributionLogo: false,
    },
    grid: {
      vertLines: { color: CHART_COLORS.grid },
      horzLines: { color: CHART_COLORS.grid },
    },
    rightPriceScale: { borderColor: CHART_COLORS.border },
    timeScale: { borderColor: CHART_COLORS.border, timeVisible: true, secondsVisible: false },
    crosshair: { mode: CrosshairMode.Normal },
  };
}
