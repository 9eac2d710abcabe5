// The analysis endpoints (api.md "Analysis"): statistics of a subset, breakdowns, Monte
// Carlo, run comparison, and the CSV answers of the trades list and the breakdowns.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { reportUnauthorized, storedApiKey } from "./apiKey";
import { ApiError, errorDetail } from "./client";
import { readableError } from "./errors";
import { api, unwrap } from "./client";
import type { TradeQuery } from "./queries";
import type { components } from "./schema";
import type { Statistics } from "./types";

/** narrows any analysis to a subset of the run's closed trades (no field: all of them). */
export interface Subset {
  side?: "long" | "short";
  symbol?: string;
  account?: string;
}

/** Every statistic of analytics.md's two tables, by name (the risk set beside the rest). */
export type SubsetStatistics = Statistics & {
  profit_per_month?: number | null;
  monthly_std?: number | null;
  sharpe_ratio?: number | null;
  sortino_ratio?: number | null;
  ulcer_index?: number | null;
  r_squared?: number | null;
  sqn?: number | null;
  max_runup?: number | null;
  max_time_to_recover_seconds?: number | null;
  longest_flat_seconds?: number | null;
  time_in_market_percent?: number | null;
  avg_trades_per_day?: number | null;
  avg_entry_efficiency?: number | null;
  avg_exit_efficiency?: number | null;
  avg_total_efficiency?: number | null;
};

export const BREAKDOWN_KEYS = [
  "day",
  "week",
  "month",
  "year",
  "hour",
  "weekday",
  "symbol",
  "account",
  "side",
  "duration",
] as const;
export type BreakdownKey = (typeof BREAKDOWN_KEYS)[number];
/** The keys that read a time, so the time zone applies to them. */
export const TIME_KEYS: readonly BreakdownKey[] = ["day", "week", "month", "year", "hour", "weekday"];

type Schemas = components["schemas"];
export type BreakdownRow = Schemas["BreakdownRow"];
export type Breakdown = Schemas["Breakdown"];
export type Percentiles = Schemas["Percentiles"];
/** Percentiles and probability are null when the subset has no closed trade. */
export type MonteCarlo = Schemas["MonteCarlo"];
export type EquityPoint = Schemas["EquityPoint"];

export interface ComparedRun {
  run_id: string;
  statistics: SubsetStatistics | null;
  equity: EquityPoint[];
}

type Query = Record<string, string | number | readonly string[] | undefined>;

function url(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v == null || v === "") continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
    else params.set(k, String(v));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** A GET with the stored API key; a non-2xx answer throws an ApiError with its reason. */
async function get(path: string, query: Query, accept = "application/json"): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  const key = storedApiKey();
  if (key) headers["X-API-Key"] = key;
  const response = await fetch(url(path, query), { headers });
  if (response.status === 401) reportUnauthorized();
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // A body that is not JSON: the status text says enough.
    }
    throw new ApiError(response.status, readableError(response.status, errorDetail(body, response.statusText)));
  }
  return response;
}

function runPath(runId: string, tail: string): string {
  return `/api/runs/${encodeURIComponent(runId)}/${tail}`;
}

/** The statistics object of an answer: `{statistics: {...}}` as /stats answered before the
 * subsets, or the statistics themselves. */
export function statisticsOf(body: unknown): SubsetStatistics | null {
  if (body == null || typeof body !== "object") return null;
  if ("statistics" in body) return (body as { statistics: SubsetStatistics | null }).statistics;
  if ("stats" in body) return (body as { stats: SubsetStatistics | null }).stats;
  return body as SubsetStatistics;
}

export function fetchSubsetStats(runId: string, subset: Subset): Promise<SubsetStatistics | null> {
  return unwrap(api.GET("/api/runs/{run_id}/stats", { params: { path: { run_id: runId }, query: subset } })).then(
    statisticsOf,
  );
}

export function useSubsetStats(runId: string, subset: Subset) {
  return useQuery({
    queryKey: ["run", runId, "stats", subset],
    queryFn: () => fetchSubsetStats(runId, subset),
    placeholderData: keepPreviousData,
  });
}

export function useBreakdown(runId: string, by: BreakdownKey, tz: string, subset: Subset = {}) {
  return useQuery({
    queryKey: ["run", runId, "breakdown", by, tz, subset],
    queryFn: () =>
      unwrap(
        api.GET("/api/runs/{run_id}/breakdown", { params: { path: { run_id: runId }, query: { by, tz, ...subset } } }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** Asked for, not loaded with the page: thousands of simulations are the user's call. */
export function useMonteCarlo(runId: string, asked: { simulations: number; seed: number } | null, subset: Subset = {}) {
  return useQuery({
    queryKey: ["run", runId, "monte-carlo", asked?.simulations, asked?.seed, subset],
    queryFn: () =>
      unwrap(
        api.GET("/api/runs/{run_id}/monte-carlo", {
          params: { path: { run_id: runId }, query: { ...asked, ...subset } },
        }),
      ),
    placeholderData: keepPreviousData,
    enabled: asked != null,
  });
}

/** The compare answer as a list of runs, in the order asked. Accepts `{runs: [...]}` or a
 * list; each run's curve under `equity` (a list of points, or `{points}`). */
export function comparedRuns(body: unknown, order: readonly string[]): ComparedRun[] {
  const list: unknown[] = Array.isArray(body)
    ? body
    : body && typeof body === "object" && "runs" in body && Array.isArray((body as { runs: unknown }).runs)
      ? (body as { runs: unknown[] }).runs
      : [];
  const runs = list.map((item) => {
    const o = (item ?? {}) as Record<string, unknown>;
    const curve = o.equity ?? o.equity_curve;
    const points = Array.isArray(curve)
      ? curve
      : curve && typeof curve === "object" && Array.isArray((curve as { points?: unknown }).points)
        ? (curve as { points: unknown[] }).points
        : [];
    return {
      run_id: String(o.run_id ?? ""),
      statistics: statisticsOf(o.statistics !== undefined ? { statistics: o.statistics } : o.stats !== undefined ? { stats: o.stats } : null),
      equity: points as EquityPoint[],
    };
  });
  return [...runs].sort((a, b) => order.indexOf(a.run_id) - order.indexOf(b.run_id));
}

export function useCompare(runIds: readonly string[]) {
  return useQuery({
    queryKey: ["runs", "compare", runIds],
    queryFn: () =>
      unwrap(api.GET("/api/compare", { params: { query: { run_id: [...runIds] } } })).then((b) => comparedRuns(b, runIds)),
    enabled: runIds.length >= 2,
  });
}

/** The trades list's CSV: the same filters, every row (no page). */
export function tradesCsvPath(query: TradeQuery): string {
  const { limit: _limit, offset: _offset, cursor: _cursor, ...filters } = query;
  return url("/api/trades", { ...filters, format: "csv" } as Query);
}

export function breakdownCsvPath(runId: string, by: BreakdownKey, tz: string, subset: Subset = {}): string {
  return url(runPath(runId, "breakdown"), { by, tz, ...subset, format: "csv" });
}

/** Saves a CSV answer as a file. Fetched (not a plain link) so the API key goes with it. */
export async function downloadCsv(path: string, fileName: string): Promise<void> {
  const response = await get(path, {}, "text/csv");
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The click has handed the blob to the download; free it on the next turn.
  setTimeout(() => URL.revokeObjectURL(href), 0);
}
