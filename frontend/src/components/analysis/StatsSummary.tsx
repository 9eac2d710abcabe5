import { useSubsetStats, type Subset } from "../../api/analytics";
import { useInstruments } from "../../api/queries";
import { pnlClass } from "../../format";
import { ErrorState, Loading } from "../common/States";
import { formatSummary, statNumber, SUMMARY_GROUPS } from "./summaryGroups";
import { basisFor } from "./units";
import { useDisplayUnit } from "./useDisplayUnit";

export interface SubsetChoice {
  symbol: string;
  account: string;
}

/** The symbol and account pickers: "" is every symbol / account of the run. */
export function SubsetPicker({
  symbols,
  accounts,
  value,
  onChange,
}: {
  symbols: readonly string[];
  accounts: readonly string[];
  value: SubsetChoice;
  onChange: (v: SubsetChoice) => void;
}) {
  return (
    <div className="row" role="group" aria-label="Subset">
      <label className="dim">
        Symbol{" "}
        <select
          value={value.symbol}
          data-testid="subset-symbol"
          onChange={(e) => onChange({ ...value, symbol: e.target.value })}
        >
          <option value="">All symbols</option>
          {symbols.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <label className="dim">
        Account{" "}
        <select
          value={value.account}
          data-testid="subset-account"
          onChange={(e) => onChange({ ...value, account: e.target.value })}
        >
          <option value="">All accounts</option>
          {accounts.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </label>
    </div>
  );
}

export function subsetOf(choice: SubsetChoice): Subset {
  const s: Subset = {};
  if (choice.symbol) s.symbol = choice.symbol;
  if (choice.account) s.account = choice.account;
  return s;
}

const COLUMNS = [
  { title: "All", side: undefined },
  { title: "Long", side: "long" },
  { title: "Short", side: "short" },
] as const;

/** Strategy Analyzer's summary: every statistic in rows, All / Long / Short in columns. */
export function StatsSummary({ runId, runSymbols, choice }: { runId: string; runSymbols: readonly string[]; choice: SubsetChoice }) {
  const subset = subsetOf(choice);
  const all = useSubsetStats(runId, subset);
  const long = useSubsetStats(runId, { ...subset, side: "long" });
  const short = useSubsetStats(runId, { ...subset, side: "short" });
  const instruments = useInstruments();
  const [unit] = useDisplayUnit();
  const queries = [all, long, short];
  const failed = queries.find((q) => q.isError);
  if (failed?.error) return <ErrorState error={failed.error} retry={() => queries.forEach((q) => void q.refetch())} />;
  if (queries.some((q) => q.isPending)) return <Loading rows={8} />;
  const basis = basisFor(choice.symbol ? [choice.symbol] : runSymbols, instruments.data ?? []);
  const columns = queries.map((q) => (q.data ?? null) as Record<string, unknown> | null);
  return (
    <div className="table-wrap">
      <table className="data stats-summary" data-testid="stats-summary" aria-label="Statistics: all, long and short trades">
        <thead>
          <tr>
            <th>Statistic</th>
            {COLUMNS.map((c) => (
              <th key={c.title} className="r" data-testid={`summary-col-${c.title.toLowerCase()}`}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        {SUMMARY_GROUPS.map((g) => (
          <tbody key={g.title}>
            <tr className="group-row">
              <th colSpan={4} scope="colgroup">
                {g.title}
              </th>
            </tr>
            {g.stats.map((s) => (
              <tr key={s.key} data-stat={s.key}>
                <td className="dim">{s.label}</td>
                {columns.map((stats, i) => {
                  const v = statNumber(stats, s.key);
                  return (
                    <td key={i} className={`r num ${s.signed ? pnlClass(v) : ""}`}>
                      {formatSummary(s.kind, v, unit, basis)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}
