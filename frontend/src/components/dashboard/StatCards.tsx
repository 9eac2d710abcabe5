import { pnlClass } from "../../format";
import { formatStat, STAT_GROUPS } from "./statGroups";

export type StatValues = Record<string, unknown>;

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export function StatCards({ stats }: { stats: StatValues }) {
  return (
    <div className="stat-groups" data-testid="stat-cards">
      {STAT_GROUPS.map((g) => (
        <section key={g.title} className="stat-group" aria-label={g.title}>
          <h3>{g.title}</h3>
          <dl>
            {g.stats.map((s) => {
              const v = num(stats[s.key]);
              return (
                <div key={s.key} style={{ display: "contents" }} data-stat={s.key}>
                  <dt>{s.label}</dt>
                  <dd className={`num ${s.signed ? pnlClass(v) : ""}`}>{formatStat(s.kind, v)}</dd>
                </div>
              );
            })}
          </dl>
        </section>
      ))}
    </div>
  );
}
