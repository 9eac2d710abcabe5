import {
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  LineSeries,
  LineStyle,
  type CandlestickData,
  type IChartApi,
  type MouseEventParams,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useMemo, useRef, useState } from "react";
import { fmtPrice, fmtQty, fmtTime, toEpochSeconds } from "../../format";
import { Attribution, ChartTip, type TipState } from "./ChartTip";
import { crowded, groupFills, groupMarkers, type FillGroup } from "./fillGroups";
import { levelMarkers, orderLevels, UNFILLED_COLOR, type ChartOrder } from "./orderLevels";
import type { MarkerExecution } from "./markers";
import { baseChartOptions, CHART_COLORS } from "./theme";

export interface ChartBar {
  start_time: string;
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface ChartTrade {
  side: "LONG" | "SHORT";
  entry_price: number;
  exit_price: number | null;
  mae_points: number | null;
  mfe_points: number | null;
  /** The symbol's price decimals: the price axis, crosshair, levels and labels use them. */
  price_decimals: number;
}

/**
 * The series' price format: the symbol's decimals. The price axis, the crosshair label
 * and the level labels all use it. Its step is one unit of the last decimal, not the
 * tick: the chart rounds every label to the step, and an average entry between ticks
 * (4,999.296875 on a 0.25 tick) must read 4999.30, not 4999.25.
 */
export function seriesPriceFormat(decimals: number) {
  return { type: "price" as const, precision: decimals, minMove: Number((10 ** -decimals).toFixed(decimals)) };
}

const NO_ORDERS: readonly ChartOrder[] = [];
/** Fills and unfilled orders together above this many markers: the orders' labels go. */
const MAX_LABELLED_ALL = 12;

/** MAE and MFE as prices: how far the market went against and for the trade. */
export function excursionLevels(trade: ChartTrade): { mae: number | null; mfe: number | null } {
  const dir = trade.side === "LONG" ? 1 : -1;
  return {
    mae: trade.mae_points == null ? null : trade.entry_price - dir * trade.mae_points,
    mfe: trade.mfe_points == null ? null : trade.entry_price + dir * trade.mfe_points,
  };
}

/** Candles in ascending, unique time order (the series requires both). */
export function toCandles(bars: readonly ChartBar[]): CandlestickData<UTCTimestamp>[] {
  const out: CandlestickData<UTCTimestamp>[] = [];
  let last = -Infinity;
  for (const b of bars) {
    const time = toEpochSeconds(b.start_time);
    if (!(time > last)) continue;
    last = time;
    out.push({ time: time as UTCTimestamp, open: b.open, high: b.high, low: b.low, close: b.close });
  }
  return out;
}

/**
 * Candles of the finest timeframe around the trade, one marker per execution at its fill
 * price, and the entry, exit, MAE and MFE levels. Without bars the fills are drawn as a
 * line so the markers still have a series to sit on.
 */
export function TradeChart({
  trade,
  executions,
  bars,
  orders = NO_ORDERS,
  height = 460,
}: {
  trade: ChartTrade;
  executions: readonly MarkerExecution[];
  bars: readonly ChartBar[];
  /** The trade's orders that never filled: dotted levels and hollow circles, apart from the fills. */
  orders?: readonly ChartOrder[];
  height?: number;
}) {
  const container = useRef<HTMLDivElement>(null);
  const candles = useMemo(() => toCandles(bars), [bars]);
  const [tip, setTip] = useState<TipState | null>(null);

  useEffect(() => {
    const el = container.current;
    if (!el) return undefined;
    const started = performance.now();
    el.dataset.ready = "false";
    const chart: IChartApi = createChart(el, baseChartOptions(height));
    const barTimes = candles.map((c) => c.time as number);
    const groups = groupFills(trade, executions, barTimes);
    const labelled = !crowded(groups, barTimes);
    const markers = groupMarkers(groups, labelled, trade.price_decimals);
    const levels = orderLevels(orders, barTimes);
    // Without candles the markers sit on a line through the fills only: the levels alone say it.
    const unfilled =
      candles.length > 0
        ? levelMarkers(levels, labelled && levels.length + groups.length <= MAX_LABELLED_ALL, trade.price_decimals)
        : [];
    // The series wants its markers in time order; fills first within a bar.
    const allMarkers = [...markers, ...unfilled].sort((a, b) => (a.time as number) - (b.time as number));

    const priceFormat = seriesPriceFormat(trade.price_decimals);
    let series;
    if (candles.length > 0) {
      series = chart.addSeries(CandlestickSeries, {
        priceFormat,
        upColor: CHART_COLORS.up,
        downColor: CHART_COLORS.down,
        borderVisible: false,
        wickUpColor: CHART_COLORS.up,
        wickDownColor: CHART_COLORS.down,
      });
      series.setData(candles);
    } else {
      series = chart.addSeries(LineSeries, {
        priceFormat,
        color: CHART_COLORS.muted,
        lineWidth: 1,
        pointMarkersVisible: true,
      });
      const points = new Map<number, number>();
      for (const m of markers) points.set(m.time as number, m.price ?? 0);
      series.setData([...points].map(([time, value]) => ({ time: time as UTCTimestamp, value })));
    }
    const markerApi = createSeriesMarkers(series, allMarkers, { autoScale: true });

    for (const l of levels) {
      series.createPriceLine({
        price: l.price,
        color: UNFILLED_COLOR,
        title: l.title,
        lineStyle: LineStyle.SparseDotted,
        lineWidth: 1,
        axisLabelVisible: false,
      });
    }

    const excursions = excursionLevels(trade);
    const line = (price: number | null, color: string, title: string, style: LineStyle) => {
      if (price == null) return;
      series.createPriceLine({ price, color, title, lineStyle: style, lineWidth: 1, axisLabelVisible: true });
    };
    line(trade.entry_price, CHART_COLORS.accent, "entry", LineStyle.Dashed);
    line(trade.exit_price, CHART_COLORS.warn, "exit", LineStyle.Dashed);
    line(excursions.mae, CHART_COLORS.down, "MAE", LineStyle.Dotted);
    line(excursions.mfe, CHART_COLORS.up, "MFE", LineStyle.Dotted);

    // Open on the trade itself, with some context either side.
    const first = markers[0]?.time as number | undefined;
    const last = markers[markers.length - 1]?.time as number | undefined;
    if (candles.length > 0 && first != null && last != null) {
      const i0 = barTimes.indexOf(first);
      const i1 = barTimes.indexOf(last);
      const span = Math.max(20, i1 - i0);
      chart.timeScale().setVisibleLogicalRange({ from: i0 - span * 0.6, to: i1 + span * 0.6 });
    } else {
      chart.timeScale().fitContent();
    }

    // Each fill of the bar under the cursor, listed beside it.
    const onMove = (param: MouseEventParams<Time>) => {
      const here = param.point && param.time != null ? groups.filter((g) => g.time === param.time) : [];
      setTip(param.point && here.length ? { x: param.point.x, y: param.point.y, content: <FillList groups={here} priceDecimals={trade.price_decimals} /> } : null);
    };
    chart.subscribeCrosshairMove(onMove);

    el.dataset.markerCount = String(markerApi.markers().length);
    el.dataset.orderLevels = String(levels.length);
    el.dataset.fillCount = String(groups.reduce((n, g) => n + g.fills.length, 0));
    el.dataset.labels = labelled ? "shown" : "hidden";
    // The axis and crosshair write prices with this formatter: the entry as they show it.
    el.dataset.entryLabel = series.priceFormatter().format(trade.entry_price);
    el.dataset.barCount = String(candles.length);
    // Ready once the browser has painted the first frame with the data.
    let raf = requestAnimationFrame(() => {
      raf = requestAnimationFrame(() => {
        const now = performance.now();
        el.dataset.renderMs = (now - started).toFixed(1);
        // Milliseconds since the page's navigation started (a full page load's budget).
        el.dataset.paintedAt = now.toFixed(1);
        el.dataset.ready = "true";
      });
    });
    return () => {
      cancelAnimationFrame(raf);
      chart.unsubscribeCrosshairMove(onMove);
      markerApi.detach();
      chart.remove();
    };
  }, [trade, executions, orders, candles, height]);

  return (
    <div>
      <div ref={container} className="chart-box" style={{ height }} data-testid="trade-chart">
        <ChartTip tip={tip} width={container.current?.clientWidth ?? 0} />
      </div>
      <div className="chart-legend" aria-label="Chart legend">
        <span>
          <i style={{ background: CHART_COLORS.up }} />
          entry buy ▲
        </span>
        <span>
          <i style={{ background: CHART_COLORS.down }} />
          entry sell ▼
        </span>
        <span>
          <i style={{ background: CHART_COLORS.warn }} />
          exit (▲ buy, ▼ sell)
        </span>
        <span>
          <i style={{ background: CHART_COLORS.accent }} />
          avg entry / exit
        </span>
        <span>MAE / MFE levels dotted</span>
        {orders.length > 0 && (
          <span data-testid="unfilled-legend">
            <i style={{ background: UNFILLED_COLOR }} />
            order not filled ○ (level sparse-dotted)
          </span>
        )}
        <span>fills of one bar combine; hover a bar for each fill</span>
        <Attribution />
      </div>
    </div>
  );
}

function FillList({ groups, priceDecimals }: { groups: readonly FillGroup[]; priceDecimals: number }) {
  return (
    <table>
      <tbody>
        {groups.flatMap((g) =>
          g.fills.map((f) => (
            <tr key={f.execution_id}>
              <td className="dim">{fmtTime(f.exec_time).slice(11)}</td>
              <td>{g.role}</td>
              <td className={g.buy ? "up" : "down"}>{g.buy ? "BUY" : "SELL"}</td>
              <td className="num">
                {f.trade_quantity != null && f.trade_quantity !== f.quantity
                  ? `${fmtQty(f.trade_quantity)} of ${fmtQty(f.quantity)}`
                  : fmtQty(f.quantity)}
              </td>
              <td className="num">@ {fmtPrice(f.price, priceDecimals)}</td>
              <td className="dim">{f.signal ?? ""}</td>
            </tr>
          )),
        )}
      </tbody>
    </table>
  );
}
