import { useEffect, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { TRADES_PAGE_SIZE, useInstruments, useRun, useTrades, type TradeQuery } from "../api/queries";
import { Pager } from "../components/common/Pager";
import { Empty, ErrorState, Loading } from "../components/common/States";
import { PointValueWarning } from "../components/instruments/PointValueWarning";
import { RunPicker } from "../components/runs/RunPicker";
import { TradesTable } from "../components/trades/TradesTable";
import { fmtInt } from "../format";

const DEFAULT_SORT = "entry_time";

/** The trade query a URL's search parameters describe (dates are whole UTC days). */
export function tradeQueryFromParams(runId: string, p: URLSearchParams): TradeQuery {
  const q: TradeQuery = { run_id: runId, sort: p.get("sort") ?? DEFAULT_SORT, limit: TRADES_PAGE_SIZE };
  const offset = Number(p.get("offset") ?? 0);
  if (offset > 0) q.offset = offset;
  const symbol = p.get("symbol");
  if (symbol) q.symbol = symbol;
  const account = p.get("account");
  if (account) q.account_id = account;
  const side = p.get("side");
  if (side === "LONG" || side === "SHORT") q.side = side;
  const status = p.get("status");
  if (status === "OPEN" || status === "CLOSED") q.status = status;
  const outcome = p.get("outcome");
  if (outcome === "winners" || outcome === "losers") q.outcome = outcome;
  const from = p.get("from");
  if (from && /^\d{4}-\d{2}-\d{2}$/.test(from)) q.from = `${from}T00:00:00Z`;
  const to = p.get("to");
  if (to && /^\d{4}-\d{2}-\d{2}$/.test(to)) {
    const next = new Date(`${to}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    q.to = next.toISOString().replace(".000Z", "Z");
  }
  return q;
}

/** What the count counts: the dashboard's trade count is of closed trades only. */
export function tradeCountLabel(total: number, status: TradeQuery["status"]): string {
  const n = fmtInt(total);
  if (status === "CLOSED") return `${n} closed ${total === 1 ? "trade" : "trades"}`;
  if (status === "OPEN") return `${n} open ${total === 1 ? "trade" : "trades"}`;
  return `${n} ${total === 1 ? "trade" : "trades"}, open and closed`;
}

export default function TradesPage() {
  const runId = useParams().runId ?? "";
  const [params, setParams] = useSearchParams();
  const query = tradeQueryFromParams(runId, params);
  const trades = useTrades(query);
  const run = useRun(runId);

  const update = (changes: Record<string, string | null>, keepOffset = false) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!keepOffset) next.delete("offset");
    setParams(next, { replace: true });
  };
  const anyFilter = ["symbol", "account", "side", "status", "outcome", "from", "to"].some((k) => params.get(k));

  return (
    <div className="page">
      <div className="breadcrumbs">
        <Link to="/runs">Runs</Link> <span>/</span>
        {run.data && (
          <>
            <Link to={`/runs?strategy=${encodeURIComponent(run.data.strategy_id)}`}>
              {run.data.strategy_name ?? run.data.strategy_id}
            </Link>
            <span>/</span>
          </>
        )}
        <Link to={`/runs/${encodeURIComponent(runId)}`} className="mono">
          {runId}
        </Link>
        <span>/</span> <span>Trades</span>
      </div>
      <div className="page-head">
        <h1>Trades</h1>
        {trades.data && (
          <span className="sub num" data-testid="trades-count">
            {tradeCountLabel(trades.data.total, query.status)}
          </span>
        )}
        <span style={{ flex: 1 }} />
        {run.data && <RunPicker strategyId={run.data.strategy_id} runId={runId} suffix="/trades" />}
      </div>
      <PointValueWarning symbols={run.data?.point_value_missing ?? []} />
      <Filters params={params} update={update} anyFilter={anyFilter} />
      {trades.isPending ? (
        <Loading rows={10} />
      ) : trades.isError ? (
        <ErrorState error={trades.error} retry={() => void trades.refetch()} />
      ) : trades.data.items.length === 0 ? (
        <Empty title={anyFilter ? "No trade matches these filters" : "No trades in this run"}>
          {anyFilter && (
            <button type="button" onClick={() => setParams({}, { replace: true })}>
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
            maxHeight="calc(100vh - 250px)"
          />
          <Pager
            offset={query.offset ?? 0}
            limit={TRADES_PAGE_SIZE}
            total={trades.data.total}
            onOffset={(o) => update({ offset: o ? String(o) : null }, true)}
          />
        </div>
      )}
    </div>
  );
}

function Filters({
  params,
  update,
  anyFilter,
}: {
  params: URLSearchParams;
  update: (changes: Record<string, string | null>) => void;
  anyFilter: boolean;
}) {
  const instruments = useInstruments();
  const [account, setAccount] = useState(params.get("account") ?? "");
  useEffect(() => setAccount(params.get("account") ?? ""), [params]);
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
    <form
      className="filters"
      aria-label="Filters"
      onSubmit={(e) => {
        e.preventDefault();
        update({ account: account.trim() || null });
      }}
    >
      <label className="field">
        Symbol
        <select value={params.get("symbol") ?? ""} onChange={(e) => update({ symbol: e.target.value || null })}>
          <option value="">all</option>
          {instruments.data?.map((i) => (
            <option key={i.symbol} value={i.symbol}>
              {i.symbol}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        Account
        <input
          value={account}
          placeholder="all"
          size={12}
          onChange={(e) => setAccount(e.target.value)}
          onBlur={() => update({ account: account.trim() || null })}
        />
      </label>
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
      <label className="field">
        From (UTC)
        <input type="date" value={params.get("from") ?? ""} onChange={(e) => update({ from: e.target.value || null })} />
      </label>
      <label className="field">
        To (UTC)
        <input type="date" value={params.get("to") ?? ""} onChange={(e) => update({ to: e.target.value || null })} />
      </label>
      {anyFilter && (
        <button
          type="button"
          className="ghost"
          onClick={() => update({ symbol: null, account: null, side: null, status: null, outcome: null, from: null, to: null })}
        >
          Clear
        </button>
      )}
    </form>
  );
}
