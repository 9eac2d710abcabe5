import { useEffect, useRef, useState } from "react";
import { fmtAxisMoney, fmtMoney } from "../../format";
import { plural } from "../../text";
import { ChartTip, type TipState } from "./ChartTip";
import { ticks } from "./ExcursionScatter";
import type { Bucket } from "./series";
import { CHART_COLORS } from "./theme";

const PAD = { left: 40, right: 10, top: 8, bottom: 24 };

/** The element's width in pixels, followed as it changes. */
export function useWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    setWidth(el.clientWidth);
    if (typeof ResizeObserver === "undefined") return undefined;
    const observer = new ResizeObserver(([entry]) => setWidth(entry?.contentRect.width ?? 0));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/**
 * Closed trades by net PnL: one bar per bucket between its round edges, red below zero,
 * green above; a bucket's range and count on hover. Drawn at the box's pixel size, so the
 * labels keep their size at any width.
 */
export function PnlHistogram({ buckets, height = 260 }: { buckets: readonly Bucket[]; height?: number }) {
  const [box, width] = useWidth<HTMLDivElement>();
  const [tip, setTip] = useState<TipState | null>(null);
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  const drawn = width > PAD.left + PAD.right && first && last;
  const lo = first?.lower ?? 0;
  const hi = last?.upper ?? 1;
  const top = Math.max(1, ...buckets.map((b) => b.count));
  const sx = (v: number) => PAD.left + ((v - lo) / (hi - lo || 1)) * (width - PAD.left - PAD.right);
  const sy = (v: number) => PAD.top + (1 - v / top) * (height - PAD.top - PAD.bottom);
  const xTicks = ticks(lo, hi, Math.max(4, Math.floor(width / 80)));
  const yTicks = ticks(0, top, 4).filter((v) => Number.isInteger(v));
  return (
    <div ref={box} className="chart-box" style={{ height }} data-testid="pnl-histogram" data-buckets={buckets.length}>
      {drawn && (
        <svg className="histogram" width={width} height={height} role="img" aria-label="Closed trades by net PnL" onMouseLeave={() => setTip(null)}>
          {yTicks.map((v) => (
            <g key={`y${v}`}>
              <line className="grid" x1={PAD.left} x2={width - PAD.right} y1={sy(v)} y2={sy(v)} />
              <text x={PAD.left - 6} y={sy(v) + 3} textAnchor="end">
                {v}
              </text>
            </g>
          ))}
          {xTicks.map((v) => (
            <text key={`x${v}`} x={sx(v)} y={height - 8} textAnchor="middle">
              {fmtAxisMoney(v)}
            </text>
          ))}
          {buckets.map((b) => {
            const colour = b.upper <= 0 ? CHART_COLORS.down : b.lower >= 0 ? CHART_COLORS.up : CHART_COLORS.muted;
            const x = sx(b.lower) + 0.5;
            const w = Math.max(1, sx(b.upper) - sx(b.lower) - 1);
            return (
              <g
                key={b.lower}
                onMouseMove={(e) => {
                  const rect = (e.currentTarget.ownerSVGElement as SVGSVGElement).getBoundingClientRect();
                  setTip({
                    x: e.clientX - rect.left,
                    y: e.clientY - rect.top,
                    content: (
                      <>
                        <div className="dim">
                          net PnL {fmtMoney(b.lower)} to {fmtMoney(b.upper)}
                        </div>
                        <div>{plural(b.count, "trade")}</div>
                      </>
                    ),
                  });
                }}
              >
                <rect x={x} y={PAD.top} width={w} height={height - PAD.top - PAD.bottom} fill="transparent" />
                <rect x={x} y={sy(b.count)} width={w} height={sy(0) - sy(b.count)} fill={colour} />
              </g>
            );
          })}
          {lo < 0 && hi > 0 && <line x1={sx(0)} x2={sx(0)} y1={PAD.top} y2={sy(0)} stroke={CHART_COLORS.muted} strokeDasharray="3 3" />}
          <line x1={PAD.left} x2={width - PAD.right} y1={sy(0)} y2={sy(0)} stroke={CHART_COLORS.border} />
        </svg>
      )}
      <ChartTip tip={tip} width={width} />
    </div>
  );
}
