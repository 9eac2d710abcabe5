// Server-sent events from /api/events: job progress, job finished, analysis updated, a run
// renamed or deleted.
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { forgetRun } from "./management";

export interface JobProgressEvent {
  job_id: string;
  done: number;
  total: number | null;
}
export interface JobFinishedEvent {
  job_id: string;
  status: string;
  import_id: number | null;
}
export interface AnalysisUpdatedEvent {
  strategy_id: string;
  run_id: string;
  trades: number | null;
}

export interface RunChangedEvent {
  run_id: string;
  strategy_id: string;
}

export interface Toast {
  id: string;
  strategyId: string;
  runId: string;
  trades: number | null;
}

interface EventsState {
  connected: boolean;
  jobProgress: Record<string, JobProgressEvent>;
  jobFinished: Record<string, JobFinishedEvent>;
  toasts: Toast[];
  dismissToast: (id: string) => void;
}

const EventsContext = createContext<EventsState | null>(null);

const TOAST_MS = 15_000;

export function EventsProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);
  const [jobProgress, setJobProgress] = useState<Record<string, JobProgressEvent>>({});
  const [jobFinished, setJobFinished] = useState<Record<string, JobFinishedEvent>>({});
  const [toasts, setToasts] = useState<Toast[]>([]);
  const timers = useRef(new Map<string, number>());

  useEffect(() => {
    if (typeof EventSource === "undefined") return undefined;
    const source = new EventSource("/api/events");
    const dismissLater = (id: string) => {
      const old = timers.current.get(id);
      if (old) window.clearTimeout(old);
      timers.current.set(
        id,
        window.setTimeout(() => {
          timers.current.delete(id);
          setToasts((list) => list.filter((t) => t.id !== id));
        }, TOAST_MS),
      );
    };
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(source.readyState === EventSource.OPEN);
    source.addEventListener("job_progress", (e) => {
      const data = parse<JobProgressEvent>(e);
      if (data) setJobProgress((m) => ({ ...m, [data.job_id]: data }));
    });
    source.addEventListener("job_finished", (e) => {
      const data = parse<JobFinishedEvent>(e);
      if (!data) return;
      setJobFinished((m) => ({ ...m, [data.job_id]: data }));
      void queryClient.invalidateQueries({ queryKey: ["job", data.job_id] });
      void queryClient.invalidateQueries({ queryKey: ["imports"] });
      void queryClient.invalidateQueries({ queryKey: ["instruments"] });
    });
    source.addEventListener("analysis_updated", (e) => {
      const data = parse<AnalysisUpdatedEvent>(e);
      if (!data) return;
      // Every view of the run may be stale now.
      void queryClient.invalidateQueries({ queryKey: ["strategies"] });
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
      void queryClient.invalidateQueries({ queryKey: ["run", data.run_id] });
      void queryClient.invalidateQueries({ queryKey: ["trades"] });
      void queryClient.invalidateQueries({ queryKey: ["trade"] });
      // One toast per run: a later update replaces the earlier one.
      const id = `analysis-${data.run_id}`;
      setToasts((list) => [
        ...list.filter((t) => t.id !== id),
        { id, strategyId: data.strategy_id, runId: data.run_id, trades: data.trades ?? null },
      ]);
      dismissLater(id);
    });
    source.addEventListener("run_updated", (e) => {
      const data = parse<RunChangedEvent>(e);
      if (!data) return;
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
      void queryClient.invalidateQueries({ queryKey: ["run", data.run_id, "detail"] });
    });
    source.addEventListener("run_deleted", (e) => {
      const data = parse<RunChangedEvent>(e);
      if (!data) return;
      forgetRun(queryClient, data.run_id);
      setToasts((list) => list.filter((t) => t.runId !== data.run_id));
    });
    const pending = timers.current;
    return () => {
      source.close();
      for (const t of pending.values()) window.clearTimeout(t);
      pending.clear();
    };
  }, [queryClient]);

  const value = useMemo<EventsState>(
    () => ({
      connected,
      jobProgress,
      jobFinished,
      toasts,
      dismissToast: (id: string) => setToasts((list) => list.filter((t) => t.id !== id)),
    }),
    [connected, jobProgress, jobFinished, toasts],
  );
  return <EventsContext.Provider value={value}>{children}</EventsContext.Provider>;
}

function parse<T>(event: Event): T | null {
  try {
    return JSON.parse((event as MessageEvent<string>).data) as T;
  } catch {
    return null;
  }
}

function useEvents(): EventsState {
  const ctx = useContext(EventsContext);
  if (!ctx) throw new Error("useEvents needs an <EventsProvider>");
  return ctx;
}

export const useEventsConnected = () => useEvents().connected;
export const useToasts = () => {
  const { toasts, dismissToast } = useEvents();
  return { toasts, dismissToast };
};
export function useJobEvents(jobId: string | null) {
  const { jobProgress, jobFinished } = useEvents();
  return {
    progress: jobId ? jobProgress[jobId] : undefined,
    finished: jobId ? jobFinished[jobId] : undefined,
  };
}
