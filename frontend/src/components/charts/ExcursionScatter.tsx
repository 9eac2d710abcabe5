import { useMemo } from "react";
import { useNavigate } from "react-router-dom";
import { fmtMoney } from "../../format";
import { CHART_COLORS } from "./theme";

export interface ExcursionPoint {
  trade_id: string;
  /** The trade's MAE or MFE. */
  value: number;
  pnl_net: number;
}

export interface ExcursionSeriesIn {
  /** Closed trades with this excursion (points may be fewer: the server thins them). */
  total: number;
  points: readonly ExcursionPoint[];
}

const W = 420;
const H = 240;
const PAD = { left: 56, right: 10, top: 10, bottom: 28 };

/** Nice round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Net PnL against MAE or MFE per closed trade: winners green, losers red; a click opens the trade. */
export function ExcursionScatter({ series, axis }: { series: ExcursionSeriesIn; axis: "mae" | "mfe" }) {
  const navigate = useNavigate();
  const usable = series.points;
  const label = axis === "mae" ? "MAE" : "MFE";
  const scale = useMemo(() => {
    const xs = usable.map((p) => p.value);
    const ys = usable.map((p) => p.pnl_net);
    const x0 = 0;
    const x1 = Math.max(...xs, 1);
    const y0 = Math.min(...ys, 0);
    const y1 = Math.max(...ys, 0);
    const yPad = (y1 - y0) * 0.05 || 1;
    return {
      x0,
      x1,
      y0,
      y1,
      sx: (v: number) => PAD.left + ((v - x0) / (x1 - x0)) * (W - PAD.left - PAD.right),
      sy: (v: number) => PAD.top + ((y1 + yPad - v) / (y1 - y0 + 2 * yPad)) * (H - PAD.top - PAD.bottom),
    };
  }, [usable]);
  if (usable.length === 0) {
    return (
      <div className="state" style={{ height: H }}>
        No {label} values: the symbol has no bars for these trades.
      </div>
    );
  }
  const { x0, x1, y0, y1, sx, sy } = scale;
  return (
    <svg
      className="scatter"
      viewBox={`0 0 ${W} ${H}`}
      width="100%"
      role="img"
      aria-label={`Net PnL against ${label} for ${series.total} trades`}
      data-testid={`scatter-${axis}`}
      data-points={usable.length}
      data-total={series.total}
    >
      {ticks(y0, y1, 4).map((v) => (
        <g key={`y${v}`}>
          <line className="grid" x1={PAD.left} x2={W - PAD.right} y1={sy(v)} y2={sy(v)} />
          <text x={PAD.left - 6} y={sy(v) + 3} textAnchor="end">
            {fmtMoney(v).replace(/\.00$/, "")}
          </text>
        </g>
      ))}
      {ticks(x0, x1, 5).map((v) => (
        <text key={`x${v}`} x={sx(v)} y={H - 12} textAnchor="middle">
          {fmtMoney(v).replace(/\.00$/, "")}
        </text>
      ))}
      <line x1={PAD.left} x2={W - PAD.right} y1={sy(0)} y2={sy(0)} stroke={CHART_COLORS.muted} />
      {usable.map((p) => (
        <circle
          key={p.trade_id}
          cx={sx(p.value)}
          cy={sy(p.pnl_net)}
          r={2.5}
          fill={p.pnl_net > 0 ? CHART_COLORS.up : p.pnl_net < 0 ? CHART_COLORS.down : CHART_COLORS.muted}
          fillOpacity={0.7}
          className="point"
          onClick={() => navigate(`/trades/${encodeURIComponent(p.trade_id)}`)}
        >
          <title>{`${label} ${fmtMoney(p.value)}, net ${fmtMoney(p.pnl_net)} (click to open the trade)`}</title>
        </circle>
      ))}
      <text x={W - PAD.right} y={H - 1} textAnchor="end">
        {label} →
      </text>
    </svg>
  );
}
