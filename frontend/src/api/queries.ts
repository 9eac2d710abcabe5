// Data loading hooks (TanStack Query over the typed client). Query keys start with the
// resource name so /api/events can invalidate them.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "./client";

export const TRADES_PAGE_SIZE = 100;

/** Narrows the import history; `session_id` lists one stream session's batches. */
export interface ImportFilters {
  source?: "upload" | "cli" | "watch" | "stream";
  run_id?: string;
  status?: "running" | "succeeded" | "failed" | "refused" | "duplicate" | "live" | "closed";
  session_id?: number;
}

export function useImports(offset: number, limit: number, filters: ImportFilters = {}) {
  return useQuery({
    queryKey: ["imports", offset, limit, filters],
    queryFn: () => unwrap(api.GET("/api/imports", { params: { query: { offset, limit, ...filters } } })),
    placeholderData: keepPreviousData,
    staleTime: 5_000,
  });
}

export function useImport(importId: number) {
  return useQuery({
    queryKey: ["imports", "detail", importId],
    queryFn: () => unwrap(api.GET("/api/imports/{import_id}", { params: { path: { import_id: importId } } })),
  });
}

/** A background job; polled until it finishes, as a fallback for the event stream. */
export function useJob(jobId: string, finishedEvent: boolean) {
  return useQuery({
    queryKey: ["job", jobId, finishedEvent],
    queryFn: () => unwrap(api.GET("/api/ingest/jobs/{job_id}", { params: { path: { job_id: jobId } } })),
    // The key changes when the finished event arrives; keep showing the last state meanwhile.
    placeholderData: keepPreviousData,
    staleTime: 0,
    refetchInterval: (q) => {
      const status = q.state.data?.status;
      return status === "succeeded" || status === "failed" ? false : 1500;
    },
  });
}

export function useStrategies() {
  return useQuery({
    queryKey: ["strategies"],
    queryFn: () => unwrap(api.GET("/api/strategies")),
  });
}

export function useRuns(strategyId: string | null, tag?: string) {
  return useQuery({
    queryKey: ["runs", strategyId, tag ?? null],
    queryFn: () =>
      unwrap(api.GET("/api/runs", { params: { query: { strategy_id: strategyId ?? undefined, tag, limit: 500 } } })),
  });
}

export function useRun(runId: string, enabled = true) {
  return useQuery({
    queryKey: ["run", runId, "detail"],
    queryFn: () => unwrap(api.GET("/api/runs/{run_id}", { params: { path: { run_id: runId } } })),
    enabled: enabled && runId !== "",
  });
}

export function useRunStats(runId: string) {
  return useQuery({
    queryKey: ["run", runId, "stats"],
    queryFn: () => unwrap(api.GET("/api/runs/{run_id}/stats", { params: { path: { run_id: runId } } })),
  });
}

export function useEquity(runId: string) {
  return useQuery({
    queryKey: ["run", runId, "equity"],
    queryFn: () => unwrap(api.GET("/api/runs/{run_id}/equity", { params: { path: { run_id: runId } } })),
  });
}

export function usePnlDistribution(runId: string) {
  return useQuery({
    queryKey: ["run", runId, "pnl-distribution"],
    queryFn: () =>
      unwrap(api.GET("/api/runs/{run_id}/pnl-distribution", { params: { path: { run_id: runId } } })),
  });
}

export interface TradeQuery {
  run_id?: string;
  symbol?: string;
  account_id?: string;
  side?: "LONG" | "SHORT";
  status?: "OPEN" | "CLOSED";
  outcome?: "winners" | "losers";
  tag?: string;
  from?: string;
  to?: string;
  sort?: string;
  limit?: number;
  offset?: number;
  /** The next_cursor of the page before (same filters and sort): the page after it. */
  cursor?: string;
}

export function useTrades(query: TradeQuery, enabled = true) {
  return useQuery({
    queryKey: ["trades", query],
    queryFn: () => unwrap(api.GET("/api/trades", { params: { query } })),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useTrade(tradeId: string) {
  return useQuery({
    queryKey: ["trade", tradeId],
    queryFn: () => unwrap(api.GET("/api/trades/{trade_id}", { params: { path: { trade_id: tradeId } } })),
  });
}

export function useInstruments() {
  return useQuery({
    queryKey: ["instruments"],
    queryFn: () => unwrap(api.GET("/api/instruments")),
    staleTime: 60_000,
  });
}

export function usePutInstrument() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (v: { symbol: string; point_value: number; tick_size: number | null; currency: string | null }) =>
      unwrap(
        api.PUT("/api/instruments/{symbol}", {
          params: { path: { symbol: v.symbol } },
          body: { point_value: v.point_value, tick_size: v.tick_size, currency: v.currency },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["instruments"] });
      void queryClient.invalidateQueries({ queryKey: ["trades"] });
      void queryClient.invalidateQueries({ queryKey: ["trade"] });
      void queryClient.invalidateQueries({ queryKey: ["run"] });
    },
  });
}
