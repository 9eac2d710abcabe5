import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { BREAKDOWN_KEYS, breakdownCsvPath, TIME_KEYS, useBreakdown, type BreakdownKey } from "../api/analytics";
import { useRun } from "../api/queries";
import { BarChart } from "../components/analysis/BarChart";
import { CalendarHeatmap } from "../components/analysis/CalendarHeatmap";
import { DownloadCsvButton } from "../components/analysis/DownloadCsvButton";
import { subsetOf, SubsetPicker, type SubsetChoice } from "../components/analysis/StatsSummary";
import { isTimeZone, storedTimeZone, storeTimeZone, timeZoneNames } from "../components/analysis/timeZone";
import { Empty, ErrorState, Loading } from "../components/common/States";
import { RunName } from "../components/runs/RunName";
import { fmtInt, fmtMoney, fmtPct, fmtRatio, pnlClass } from "../format";

const BY_LABELS: Record<BreakdownKey, string> = {
  day: "Day",
  week: "Week",
  month: "Month",
  year: "Year",
  hour: "Hour (entry)",
  weekday: "Weekday (entry)",
  symbol: "Symbol",
  account: "Account",
  side: "Side",
  duration: "Duration",
};

const WEEKDAY_NAMES = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function keyLabel(by: BreakdownKey, key: string): string {
  if (by === "weekday") return WEEKDAY_NAMES[Number(key)] ?? key;
  if (by === "hour") return `${key.padStart(2, "0")}:00`;
  return key;
}

/** The time zone picker: UTC or any IANA name; remembered. */
function TimeZonePicker({ value, onChange }: { value: string; onChange: (tz: string) => void }) {
  const [draft, setDraft] = useState(value);
  const valid = isTimeZone(draft);
  return (
    <label className="dim">
      Time zone{" "}
      <input
        list="tz-names"
        value={draft}
        data-testid="tz-input"
        aria-invalid={!valid}
        onChange={(e) => {
          setDraft(e.target.value);
          if (isTimeZone(e.target.value)) onChange(e.target.value);
        }}
        style={{ width: 190 }}
      />
      <datalist id="tz-names">
        {timeZoneNames().map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      {!valid && <span className="down"> not a time zone name</span>}
    </label>
  );
}

export default function PeriodsPage() {
  const runId = useParams().runId ?? "";
  const run = useRun(runId);
  const navigate = useNavigate();
  const [by, setBy] = useState<BreakdownKey>("day");
  const [tz, setTzState] = useState(storedTimeZone);
  const [choice, setChoice] = useState<SubsetChoice>({ symbol: "", account: "" });
  const setTz = (next: string) => {
    setTzState(next);
    storeTimeZone(next);
  };
  const subset = subsetOf(choice);
  const breakdown = useBreakdown(runId, by, tz, subset);
  const days = useBreakdown(runId, "day", tz, subset);
  const runPath = `/runs/${encodeURIComponent(runId)}`;

  const openDay = (date: string) => {
    const p = new URLSearchParams({ status: "CLOSED", from: date, to: date });
    if (tz !== "UTC") p.set("tz", tz);
    if (choice.symbol) p.set("symbol", choice.symbol);
    if (choice.account) p.set("account", choice.account);
    navigate(`${runPath}/trades?${p.toString()}`);
  };

  return (
    <div className="page" data-testid="periods-page">
      <div className="breadcrumbs">
        <Link to="/runs">Runs</Link> <span>/</span>
        <Link to={runPath}>
          <RunName run={{ run_id: runId, name: run.data?.name ?? null }} copy={false} />
        </Link>
        <span>/</span> <span>Periods</span>
      </div>
      <div className="page-head">
        <h1>Periods</h1>
        <span className="sub">Closed trades by period; days, weeks, months and years by exit time, hours and weekdays by entry time.</span>
      </div>
      <div className="row panel-head">
        <TimeZonePicker value={tz} onChange={setTz} />
        {run.data && (
          <SubsetPicker symbols={run.data.symbols} accounts={run.data.accounts} value={choice} onChange={setChoice} />
        )}
      </div>
      <section className="panel" aria-labelledby="cal-title">
        <h2 id="cal-title">Daily net PnL ({tz})</h2>
        {days.isPending ? (
          <Loading rows={4} />
        ) : days.isError ? (
          <ErrorState error={days.error} retry={() => void days.refetch()} />
        ) : days.data.rows.length === 0 ? (
          <Empty title="No closed trades" />
        ) : (
          <>
            <CalendarHeatmap
              days={days.data.rows.map((r) => ({ key: r.key, net: r.net_profit, trades: r.trades }))}
              onDay={openDay}
            />
            <p className="faint">
              A day holds the trades that exit on it. Click a day for the trades list of that day in this time zone
              (the list picks trades by their entry time).
            </p>
          </>
        )}
      </section>
      <section className="panel" style={{ marginTop: 12 }} aria-labelledby="bd-title">
        <div className="row panel-head">
          <h2 id="bd-title">Breakdown</h2>
          <div className="seg" role="group" aria-label="Group by">
            {BREAKDOWN_KEYS.map((k) => (
              <button key={k} type="button" aria-pressed={k === by} onClick={() => setBy(k)} data-by={k}>
                {BY_LABELS[k]}
              </button>
            ))}
          </div>
          <span style={{ flex: 1 }} />
          <DownloadCsvButton
            path={breakdownCsvPath(runId, by, tz, subset)}
            fileName={`breakdown-${runId}-${by}.csv`}
            testId="breakdown-csv"
          />
        </div>
        {breakdown.isPending ? (
          <Loading rows={6} />
        ) : breakdown.isError ? (
          <ErrorState error={breakdown.error} retry={() => void breakdown.refetch()} />
        ) : breakdown.data.rows.length === 0 ? (
          <Empty title="No closed trades" />
        ) : (
          <>
            <BarChart
              label={`Net profit by ${BY_LABELS[by].toLowerCase()}`}
              bars={breakdown.data.rows.map((r) => ({
                key: keyLabel(by, r.key),
                value: r.net_profit,
                tip: (
                  <>
                    <div className="dim">{keyLabel(by, r.key)}</div>
                    <div>net {fmtMoney(r.net_profit)}</div>
                    <div>{fmtInt(r.trades)} trades</div>
                  </>
                ),
              }))}
            />
            <div className="table-wrap" style={{ marginTop: 8 }}>
              <table className="data" data-testid="breakdown-table" aria-label={`Breakdown by ${by}`}>
                <thead>
                  <tr>
                    <th>{BY_LABELS[by]}{TIME_KEYS.includes(by) ? ` (${breakdown.data.tz})` : ""}</th>
                    <th className="r">Trades</th>
                    <th className="r">Winners</th>
                    <th className="r">Losers</th>
                    <th className="r">Net profit</th>
                    <th className="r">Gross profit</th>
                    <th className="r">Gross loss</th>
                    <th className="r">Win %</th>
                    <th className="r">Profit factor</th>
                    <th className="r">Avg trade</th>
                  </tr>
                </thead>
                <tbody>
                  {breakdown.data.rows.map((r) => (
                    <tr key={r.key} data-key={r.key}>
                      <td className="num">{keyLabel(by, r.key)}</td>
                      <td className="r num">{fmtInt(r.trades)}</td>
                      <td className="r num">{fmtInt(r.winning_trades)}</td>
                      <td className="r num">{fmtInt(r.losing_trades)}</td>
                      <td className={`r num ${pnlClass(r.net_profit)}`}>{fmtMoney(r.net_profit)}</td>
                      <td className="r num">{fmtMoney(r.gross_profit)}</td>
                      <td className="r num">{fmtMoney(r.gross_loss)}</td>
                      <td className="r num">{fmtPct(r.percent_profitable)}</td>
                      <td className="r num">{fmtRatio(r.profit_factor)}</td>
                      <td className={`r num ${pnlClass(r.avg_trade)}`}>{fmtMoney(r.avg_trade)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </div>
  );
}
