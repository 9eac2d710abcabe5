import { useEffect, useState } from "react";
import { useParams, useSearchParams } from "react-router-dom";
import { TRADES_PAGE_SIZE, useRun, useTrades, type TradeQuery } from "../api/queries";
import type { Run } from "../api/types";
import { Pager } from "../components/common/Pager";
import { Empty, ErrorState, Loading } from "../components/common/States";
import { PointValueWarning } from "../components/instruments/PointValueWarning";
import { RunBreadcrumbs } from "../components/runs/RunBreadcrumbs";
import { RunPicker } from "../components/runs/RunPicker";
import { TradesTable } from "../components/trades/TradesTable";
import { useMoneyDisplay } from "../components/trades/useMoneyDisplay";
import { UnitSwitch } from "../components/analysis/UnitSwitch";
import { DownloadCsvButton } from "../components/analysis/DownloadCsvButton";
import { tradesCsvPath } from "../api/analytics";
import { fmtInt } from "../format";
import { plural } from "../text";
import { changedParams } from "../urlParams";
import {
  dateRangeError,
  FILTER_KEYS,
  isIsoDate,
  listSearch,
  listTimeZone,
  tradeQueryFromParams,
} from "./tradeListParams";

/** What the count counts: the dashboard's trade count is of closed trades only. */
export function tradeCountLabel(total: number, status: TradeQuery["status"]): string {
  const n = fmtInt(total);
  if (status === "CLOSED") return `${n} closed ${total === 1 ? "trade" : "trades"}`;
  if (status === "OPEN") return `${n} open ${total === 1 ? "trade" : "trades"}`;
  return `${n} ${total === 1 ? "trade" : "trades"}, open and closed`;
}

/** The URL change for a move to offset ``to``: the next page goes by the page's cursor
 * (the server continues after its last row), any other page by its offset. */
export function pageChange(to: number, from: number, nextCursor: string | null | undefined): Record<string, string | null> {
  const cursor = to === from + TRADES_PAGE_SIZE && nextCursor ? nextCursor : null;
  return { offset: to ? String(to) : null, cursor };
}

export default function TradesPage() {
  const runId = useParams().runId ?? "";
  const [params, setParams] = useSearchParams();
  const query = tradeQueryFromParams(runId, params);
  const rangeError = dateRangeError(params);
  const trades = useTrades(query, rangeError == null);
  const run = useRun(runId);
  const display = useMoneyDisplay();

  const update = (changes: Record<string, string | null>, keepOffset = false) => {
    const next = new URLSearchParams(params);
    next.delete("cursor"); // a cursor belongs to one page of one list: only a change names it
    setParams(changedParams(next, changes, keepOffset), { replace: true });
  };
  const anyFilter = FILTER_KEYS.some((k) => params.get(k));
  const clearFilters = () => update(Object.fromEntries(FILTER_KEYS.map((k) => [k, null])));
  const offset = query.offset ?? 0;

  return (
    <div className="page">
      <RunBreadcrumbs runId={runId} run={run.data} page="Trades" />
      <div className="page-head">
        <h1>Trades</h1>
        {trades.data && !rangeError && (
          <span className="sub num" data-testid="trades-count">
            {tradeCountLabel(trades.data.total, query.status)}
          </span>
        )}
        <span style={{ flex: 1 }} />
        <UnitSwitch />
        {!rangeError && (
          <DownloadCsvButton path={tradesCsvPath(query)} fileName={`trades-${runId}.csv`} testId="trades-csv" />
        )}
        {run.data && <RunPicker strategyId={run.data.strategy_id} runId={runId} suffix="/trades" />}
      </div>
      <PointValueWarning symbols={run.data?.point_value_missing ?? []} />
      {run.isError ? (
        <ErrorState error={run.error} retry={() => void run.refetch()} />
      ) : (
        <>
          <Filters params={params} update={update} clear={clearFilters} anyFilter={anyFilter} run={run.data} />
          {rangeError ? (
            <Empty title="No trades for these dates">
              <span role="alert" data-testid="date-range-error">
                {rangeError}
              </span>
            </Empty>
          ) : trades.isPending ? (
            <Loading rows={10} />
          ) : trades.isError ? (
            <ErrorState error={trades.error} retry={() => void trades.refetch()} />
          ) : trades.data.items.length === 0 && offset > 0 && trades.data.total > 0 ? (
            <>
              <Empty title="This page is past the end of the list">
                {plural(trades.data.total, "trade")} match; the last page starts at trade{" "}
                {fmtInt(Math.floor((trades.data.total - 1) / TRADES_PAGE_SIZE) * TRADES_PAGE_SIZE + 1)}.
              </Empty>
              <Pager
                offset={offset}
                limit={TRADES_PAGE_SIZE}
                total={trades.data.total}
                onOffset={(o) => update({ offset: o ? String(o) : null }, true)}
              />
            </>
          ) : trades.data.items.length === 0 ? (
            <Empty title={anyFilter ? "No trade matches these filters" : "No trades in this run"}>
              {anyFilter && (
                <button type="button" onClick={clearFilters}>
                  Clear filters
                </button>
              )}
            </Empty>
          ) : (
            <div style={{ opacity: trades.isPlaceholderData ? 0.6 : 1 }}>
              <TradesTable
                trades={trades.data.items}
                sort={query.sort}
                onSort={(sort) => update({ sort })}
                linkSearch={listSearch(params)}
                maxHeight="calc(100vh - 250px)"
                display={display}
              />
              <Pager
                offset={offset}
                limit={TRADES_PAGE_SIZE}
                total={trades.data.total}
                onOffset={(o) => update(pageChange(o, offset, trades.data.next_cursor), true)}
              />
            </div>
          )}
        </>
      )}
    </div>
  );
}

function Filters({
  params,
  update,
  clear,
  anyFilter,
  run,
}: {
  params: URLSearchParams;
  update: (changes: Record<string, string | null>) => void;
  clear: () => void;
  anyFilter: boolean;
  run: Run | undefined;
}) {
  const seg = (key: string, options: [string, string][]) => (
    <div className="seg" role="group" aria-label={key}>
      {options.map(([value, label]) => (
        <button
          key={value || "all"}
          type="button"
          aria-pressed={(params.get(key) ?? "") === value}
          onClick={() => update({ [key]: value || null })}
        >
          {label}
        </button>
      ))}
    </div>
  );
  return (
    <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <Choice label="Symbol" name="symbol" params={params} update={update} options={run?.symbols ?? []} />
      <Choice label="Account" name="account" params={params} update={update} options={run?.accounts ?? []} />
      <div className="field">
        <span>Side</span>
        {seg("side", [["", "All"], ["LONG", "Long"], ["SHORT", "Short"]])}
      </div>
      <div className="field">
        <span>Status</span>
        {seg("status", [["", "All"], ["CLOSED", "Closed"], ["OPEN", "Open"]])}
      </div>
      <div className="field">
        <span>Outcome</span>
        {seg("outcome", [["", "All"], ["winners", "Winners"], ["losers", "Losers"]])}
      </div>
      {(run?.trade_tags.length ?? 0) > 0 || params.get("tag") ? (
        <Choice label="Tag" name="tag" params={params} update={update} options={run?.trade_tags ?? []} />
      ) : null}
      <DateField label={`From (${listTimeZone(params)})`} name="from" params={params} update={update} />
      <DateField label={`To (${listTimeZone(params)})`} name="to" params={params} update={update} />
      {anyFilter && (
        <button type="button" className="ghost" onClick={clear}>
          Clear
        </button>
      )}
    </form>
  );
}

/** A select of the run's own values (a value in the URL the run lacks stays choosable). */
function Choice({
  label,
  name,
  params,
  update,
  options,
}: {
  label: string;
  name: string;
  params: URLSearchParams;
  update: (changes: Record<string, string | null>) => void;
  options: readonly string[];
}) {
  const value = params.get(name) ?? "";
  const all = value && !options.includes(value) ? [...options, value] : options;
  return (
    <label className="field">
      {label}
      <select value={value} onChange={(e) => update({ [name]: e.target.value || null })} style={{ maxWidth: 200 }}>
        <option value="">all</option>
        {all.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A day typed as YYYY-MM-DD (the app's date format), applied when complete and valid. */
function DateField({
  label,
  name,
  params,
  update,
}: {
  label: string;
  name: string;
  params: URLSearchParams;
  update: (changes: Record<string, string | null>) => void;
}) {
  const stored = params.get(name) ?? "";
  const [text, setText] = useState(stored);
  useEffect(() => setText(stored), [stored]);
  const invalid = text !== "" && !isIsoDate(text);
  const apply = () => {
    if (text === "") update({ [name]: null });
    else if (isIsoDate(text)) update({ [name]: text });
  };
  return (
    <label className="field">
      {label}
      <input
        value={text}
        placeholder="YYYY-MM-DD"
        size={11}
        inputMode="numeric"
        aria-invalid={invalid || undefined}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value === "" || isIsoDate(e.target.value)) update({ [name]: e.target.value || null });
        }}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === "Enter") apply();
          if (e.key === "Escape") setText(stored);
        }}
      />
      {invalid && <span className="inline-error">Use YYYY-MM-DD</span>}
    </label>
  );
}
