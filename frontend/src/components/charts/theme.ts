// Chart colours and options shared by every lightweight-charts chart.
import {
  ColorType,
  CrosshairMode,
  TickMarkType,
  type DeepPartial,
  type Time,
  type TimeChartOptions,
} from "lightweight-charts";
import { fmtAxisMoney } from "../../format";

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
    timeScale: {
      borderColor: CHART_COLORS.border,
      timeVisible: true,
      secondsVisible: false,
      tickMarkFormatter: isoTickMark,
    },
    crosshair: { mode: CrosshairMode.Normal },
    localization: { timeFormatter: isoTime },
  };
}

/** Options of a chart of money over time (equity curves): the money axis, and room for a
 * curve of 100,000 trades in the width (far less than a pixel per point). */
export function moneyCurveChartOptions(height: number): DeepPartial<TimeChartOptions> {
  const base = baseChartOptions(height);
  return {
    ...base,
    timeScale: { ...base.timeScale, minBarSpacing: 0.0001 },
    localization: { ...base.localization, priceFormatter: fmtAxisMoney },
  };
}

/** Time axis labels in the app's own ISO style (UTC): "2025", "2025-01", "01-06", "14:30". */
export function isoTickMark(time: Time, kind: TickMarkType): string {
  const iso = new Date((time as number) * 1000).toISOString();
  switch (kind) {
    case TickMarkType.Year:
      return iso.slice(0, 4);
    case TickMarkType.Month:
      return iso.slice(0, 7);
    case TickMarkType.DayOfMonth:
      return iso.slice(5, 10);
    case TickMarkType.TimeWithSeconds:
      return iso.slice(11, 19);
    default:
      return iso.slice(11, 16);
  }
}

/** The crosshair's time (UTC): "2025-01-06 14:30:05". */
export function isoTime(time: Time): string {
  return new Date((time as number) * 1000).toISOString().slice(0, 19).replace("T", " ");
}
