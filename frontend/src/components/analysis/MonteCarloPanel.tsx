import { useState } from "react";
import { useMonteCarlo, type Percentiles } from "../../api/analytics";
import { fmtInt, fmtMoney, fmtPct, pnlClass } from "../../format";
import { Empty, ErrorState, Loading } from "../common/States";

const LEVELS = ["p5", "p25", "p50", "p75", "p95"] as const;

/** The 5-95 band, the 25-75 band inside it and the median, on one scale shared by both rows. */
function Band({ p, lo, hi, label }: { p: Percentiles; lo: number; hi: number; label: string }) {
  const x = (v: number) => `${((v - lo) / (hi - lo || 1)) * 100}%`;
  const w = (a: number, b: number) => `${((b - a) / (hi - lo || 1)) * 100}%`;
  return (
    <svg className="mc-band" width="100%" height="22" role="img" aria-label={`${label}: 5th to 95th percentile`}>
      <rect x={x(p.p5)} width={w(p.p5, p.p95)} y="6" height="10" className="mc-outer" />
      <rect x={x(p.p25)} width={w(p.p25, p.p75)} y="3" height="16" className="mc-inner" />
      <rect x={x(p.p50)} width="2" y="0" height="22" className="mc-median" />
      {lo < 0 && hi > 0 && <rect x={x(0)} width="1" y="0" height="22" className="mc-zero" />}
    </svg>
  );
}

/** Monte Carlo of the run's closed trades: percentiles of net profit and max drawdown. */
export function MonteCarloPanel({ runId }: { runId: string }) {
  const [asked, setAsked] = useState<{ simulations: number; seed: number } | null>(null);
  const [draft, setDraft] = useState({ simulations: "1000", seed: "1" });
  const mc = useMonteCarlo(runId, asked);
  const sims = Number(draft.simulations);
  const seed = Number(draft.seed);
  const valid = Number.isInteger(sims) && sims >= 1 && Number.isInteger(seed) && seed >= 0;
  const d = mc.data;
  const all = LEVELS.flatMap((k) => [d?.net_profit?.[k] ?? 0, d?.max_drawdown?.[k] ?? 0]).concat(0);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  return (
    <section className="panel" style={{ marginTop: 12 }} aria-labelledby="mc-title" data-testid="monte-carlo">
      <form
        className="row panel-head"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) setAsked({ simulations: sims, seed });
        }}
      >
        <h2 id="mc-title">Monte Carlo</h2>
        <label className="dim">
          Simulations{" "}
          <input
            type="number"
            min={1}
            step={1}
            value={draft.simulations}
            onChange={(e) => setDraft({ ...draft, simulations: e.target.value })}
            style={{ width: 90 }}
            data-testid="mc-simulations"
          />
        </label>
        <label className="dim">
          Seed{" "}
          <input
            type="number"
            min={0}
            step={1}
            value={draft.seed}
            onChange={(e) => setDraft({ ...draft, seed: e.target.value })}
            style={{ width: 80 }}
            data-testid="mc-seed"
          />
        </label>
        <button type="submit" className="primary" disabled={!valid || mc.isFetching} data-testid="mc-run">
          {mc.isFetching ? "Simulating…" : "Simulate"}
        </button>
        {!valid && <span className="down">Whole numbers: at least 1 simulation, a seed of 0 or more.</span>}
      </form>
      {asked == null ? (
        <p className="faint" data-testid="mc-idle">
          Draws the run's closed trades with replacement, as many as it has, in each simulation; the same seed gives
          the same answer.
        </p>
      ) : mc.isPending ? (
        <Loading rows={3} />
      ) : mc.isError ? (
        <ErrorState error={mc.error} retry={() => void mc.refetch()} />
      ) : d && (d.net_profit == null || d.max_drawdown == null) ? (
        <Empty title="No closed trades to draw from" />
      ) : d?.net_profit && d.max_drawdown ? (
        <>
          <div className="table-wrap">
            <table className="data" aria-label="Monte Carlo percentiles">
              <thead>
                <tr>
                  <th />
                  {LEVELS.map((k) => (
                    <th key={k} className="r">
                      {k.slice(1)}th
                    </th>
                  ))}
                  <th style={{ width: "35%" }}>5-95 (25-75, median)</th>
                </tr>
              </thead>
              <tbody>
                {(
                  [
                    ["Net profit", d.net_profit],
                    ["Max drawdown", d.max_drawdown],
                  ] as [string, Percentiles][]
                ).map(([label, p]) => (
                  <tr key={label} data-testid={`mc-${label === "Net profit" ? "net" : "dd"}`}>
                    <td className="dim">{label}</td>
                    {LEVELS.map((k) => (
                      <td key={k} className={`r num ${pnlClass(p[k])}`}>
                        {fmtMoney(p[k])}
                      </td>
                    ))}
                    <td>
                      <Band p={p} lo={lo} hi={hi} label={label} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="faint">
            {d.simulations.toLocaleString("en-US")} simulations, seed {d.seed}: each draws {fmtInt(d.trades)} of the
            run's closed trades with replacement. Probability of profit{" "}
            <span className="num" data-testid="mc-probability">
              {fmtPct(d.probability_of_profit == null ? null : d.probability_of_profit * 100)}
            </span>
            .
          </p>
        </>
      ) : null}
    </section>
  );
}
