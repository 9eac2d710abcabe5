// The trade list as URL search parameters: the trades page reads its filters from them,
// and a trade opened from the list carries them, so its previous/next follow that list.
import type { TradeListContext } from "../api/management";
import { TRADES_PAGE_SIZE, type TradeQuery } from "../api/queries";
import { isTimeZone, nextDate, zonedDayStart } from "../components/analysis/timeZone";

export const DEFAULT_SORT = "entry_time";
/** The list's filters (not its page). */
export const FILTER_KEYS = ["symbol", "account", "side", "status", "outcome", "tag", "from", "to"] as const;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text);
}

/** Why the From/To range selects nothing, or null. */
export function dateRangeError(p: URLSearchParams): string | null {
  const from = p.get("from");
  const to = p.get("to");
  if (from && to && isIsoDate(from) && isIsoDate(to) && from > to) {
    return `From (${from}) is after To (${to}): no trade can match.`;
  }
  return null;
}

/** The zone the From/To days are in: `tz` when it names one, else UTC. */
export function listTimeZone(p: URLSearchParams): string {
  const tz = p.get("tz");
  return tz && isTimeZone(tz) ? tz : "UTC";
}

/** The trade query a URL's search parameters describe (dates are whole days in `tz`, UTC
 * unless named). */
export function tradeQueryFromParams(runId: string, p: URLSearchParams): TradeQuery {
  const q: TradeQuery = { run_id: runId, ...tradeListContext(p), limit: TRADES_PAGE_SIZE };
  const offset = Number(p.get("offset") ?? 0);
  if (offset > 0) q.offset = offset;
  // A cursor goes with the offset it was given for: the server continues after its row.
  const cursor = p.get("cursor");
  if (cursor && offset > 0) q.cursor = cursor;
  return q;
}

/** The list's filters and sort, as the API names them. */
export function tradeListContext(p: URLSearchParams): TradeListContext & { sort: string } {
  const q: TradeListContext & { sort: string } = { sort: p.get("sort") ?? DEFAULT_SORT };
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
  const tag = p.get("tag");
  if (tag) q.tag = tag;
  const tz = listTimeZone(p);
  const from = p.get("from");
  if (from && isIsoDate(from)) q.from = zonedDayStart(from, tz);
  const to = p.get("to");
  if (to && isIsoDate(to)) q.to = zonedDayStart(nextDate(to), tz);
  return q;
}

/** The search string that carries the list (filters, sort and page) to a trade: its
 * previous/next follow the list, and the way back returns to the same page. */
export function listSearch(p: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const key of [...FILTER_KEYS, "tz", "sort", "offset"]) {
    const value = p.get(key);
    if (value) kept.set(key, value);
  }
  const text = kept.toString();
  return text ? `?${text}` : "";
}
