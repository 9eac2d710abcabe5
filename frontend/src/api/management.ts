// The user's own data on runs and trades (name, notes, tags), deleting a run, and the
// reads that go with them. Writes invalidate every view that shows what they changed.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import type { TradeQuery } from "./queries";
import type { components } from "./schema";

type RunPage = components["schemas"]["RunPage"];

export interface RunChanges {
  name?: string | null;
  notes?: string | null;
  tags?: string[] | null;
}

export function usePatchRun(runId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: RunChanges) =>
      unwrap(api.PATCH("/api/runs/{run_id}", { params: { path: { run_id: runId } }, body })),
    onSuccess: (run) => {
      queryClient.setQueryData(["run", runId, "detail"], run);
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
    },
  });
}

/** Deletes the run; `onDeleted` runs first (leave the run's pages), then its caches go. */
export function useDeleteRun(runId: string, onDeleted: () => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/runs/{run_id}", { params: { path: { run_id: runId } } })),
    onSuccess: () => {
      onDeleted();
      forgetRun(queryClient, runId);
    },
  });
}

/** Drop every cached view of a deleted run and refresh the lists that showed it. */
export function forgetRun(queryClient: ReturnType<typeof useQueryClient>, runId: string): void {
  queryClient.removeQueries({ queryKey: ["run", runId] });
  // Gone from the lists at once, not after their refetch.
  queryClient.setQueriesData<RunPage>({ queryKey: ["runs"] }, (page) => {
    if (!page?.items.some((r) => r.run_id === runId)) return page;
    return { ...page, items: page.items.filter((r) => r.run_id !== runId), total: page.total - 1 };
  });
  void queryClient.invalidateQueries({ queryKey: ["runs"] });
  void queryClient.invalidateQueries({ queryKey: ["strategies"] });
  queryClient.removeQueries({ queryKey: ["trades"] });
  queryClient.removeQueries({ queryKey: ["trade"] });
}

export interface TradeChanges {
  notes?: string | null;
  tags?: string[] | null;
}

export function usePatchTrade(tradeId: string, runId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: TradeChanges) =>
      unwrap(api.PATCH("/api/trades/{trade_id}", { params: { path: { trade_id: tradeId } }, body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["trade", tradeId] });
      void queryClient.invalidateQueries({ queryKey: ["trades"] });
      void queryClient.invalidateQueries({ queryKey: ["run", runId, "detail"] });
    },
  });
}

/** The imports that wrote the run's data, newest first, with their rejected records. */
export function useRunImports(runId: string, limit = 10) {
  return useQuery({
    queryKey: ["imports", "run", runId, limit],
    queryFn: () => unwrap(api.GET("/api/imports", { params: { query: { run_id: runId, limit } } })),
  });
}

/** The list's filters and sort a trade page was opened from: previous/next follow them. */
export type TradeListContext = Omit<TradeQuery, "run_id" | "limit" | "offset">;

export function useTradeNeighbours(tradeId: string, context: TradeListContext, enabled = true) {
  return useQuery({
    enabled,
    queryKey: ["trade", tradeId, "neighbours", context],
    queryFn: () =>
      unwrap(
        api.GET("/api/trades/{trade_id}/neighbours", {
          params: { path: { trade_id: tradeId }, query: context },
        }),
      ),
  });
}

export function useExcursions(runId: string) {
  return useQuery({
    queryKey: ["run", runId, "excursions"],
    queryFn: () => unwrap(api.GET("/api/runs/{run_id}/excursions", { params: { path: { run_id: runId } } })),
  });
}
