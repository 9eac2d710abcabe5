import { useState } from "react";
import { fmtAxisMoney } from "../../format";
import { useWidth } from "../charts/PnlHistogram";
import { ChartTip, type TipState } from "../charts/ChartTip";
import { ticks } from "../charts/ExcursionScatter";

const PAD = { left: 54, right: 10, top: 8, bottom: 34 };

export interface Bar {
  key: string;
  value: number;
  tip: React.ReactNode;
}

/** One bar per key (in the given order), green above zero, red below; labels thinned to fit. */
export function BarChart({ bars, height = 240, label }: { bars: readonly Bar[]; height?: number; label: string }) {
  const [box, width] = useWidth<HTMLDivElement>();
  const [tip, setTip] = useState<TipState | null>(null);
  const lo = Math.min(0, ...bars.map((b) => b.value));
  const hi = Math.max(0, ...bars.map((b) => b.value));
  const plotW = width - PAD.left - PAD.right;
  const slot = bars.length ? plotW / bars.length : 0;
  const sy = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo || 1)) * (height - PAD.top - PAD.bottom);
  const yTicks = ticks(lo, hi, 4);
  // At most one key label every 60 pixels.
  const every = Math.max(1, Math.ceil(60 / Math.max(slot, 1)));
  return (
    <div ref={box} className="chart-box" style={{ height }} data-testid="breakdown-chart" data-bars={bars.length}>
      {width > PAD.left + PAD.right && (
        <svg className="histogram" width={width} height={height} role="img" aria-label={label} onMouseLeave={() => setTip(null)}>
          {yTicks.map((v) => (
            <g key={`y${v}`}>
              <line className="grid" x1={PAD.left} x2={width - PAD.right} y1={sy(v)} y2={sy(v)} />
              <text x={PAD.left - 6} y={sy(v) + 3} textAnchor="end">
                {fmtAxisMoney(v)}
              </text>
            </g>
          ))}
          {bars.map((b, i) => {
            // Bars at most 48 px wide, centred in their slot: one day is not a wall.
            const barW = Math.max(1, Math.min(slot * 0.8, 48));
            const x = PAD.left + i * slot + (slot - barW) / 2;
            const y0 = sy(Math.max(0, b.value));
            const y1 = sy(Math.min(0, b.value));
            return (
              <g key={b.key}>
                <rect
                  x={x}
                  y={y0}
                  width={barW}
                  height={Math.max(1, y1 - y0)}
                  fill={b.value >= 0 ? "var(--up)" : "var(--down)"}
                  onMouseMove={(e) => {
                    const r = (e.currentTarget.ownerSVGElement as SVGSVGElement).getBoundingClientRect();
                    setTip({ x: e.clientX - r.left, y: e.clientY - r.top, content: b.tip });
                  }}
                />
                {i % every === 0 && (
                  <text x={x + barW / 2} y={height - PAD.bottom + 14} textAnchor="middle">
                    {b.key}
                  </text>
                )}
              </g>
            );
          })}
          <line className="grid" x1={PAD.left} x2={width - PAD.right} y1={sy(0)} y2={sy(0)} style={{ stroke: "var(--text-faint)" }} />
        </svg>
      )}
      <ChartTip tip={tip} width={width} />
    </div>
  );
}
