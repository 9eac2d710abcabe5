// Server-sent events from /api/events: job progress, job finished, imports, analysis
// updated or failed. Every server and command on the database publishes them; the stream
// reconnects with Last-Event-ID (eventStream.ts) and the server replays what it missed, or
// sends `resync` when it no longer has all of it (then every query is reloaded). A run
// renamed or deleted updates or drops what shows it.
import { useQueryClient } from "@tanstack/react-query";
import { useApiKeyState } from "./apiKey";
import { openEventStream } from "./eventStream";
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
  /** The run's own name, when the server sends one. */
  run_name?: string | null;
  trades: number | null;
}

export interface AnalysisFailedEvent {
  strategy_id: string | null;
  run_id: string;
  symbols: string[];
  error: string;
  failed_at: string;
}

export interface RunChangedEvent {
  run_id: string;
  strategy_id: string;
}

export interface Toast {
  id: string;
  strategyId: string;
  runId: string;
  /** What the toast calls the run: its name, else its id. */
  runLabel: string;
  trades: number | null;
}

/** The toast of an analysis_updated event: one per run, naming its strategy and run. */
export function analysisToast(data: AnalysisUpdatedEvent): Toast {
  return {
    id: `analysis-${data.run_id}`,
    strategyId: data.strategy_id,
    runId: data.run_id,
    runLabel: data.run_name || data.run_id,
    trades: data.trades ?? null,
  };
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

  // Opened again with the new key once the user gave one.
  const { version: keyVersion } = useApiKeyState();

  useEffect(() => {
    if (typeof fetch === "undefined" || typeof ReadableStream === "undefined") return undefined;
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
    const handlers: Record<string, (data: string) => void> = {
      job_progress: (text) => {
        const data = parse<JobProgressEvent>(text);
        if (data) setJobProgress((m) => ({ ...m, [data.job_id]: data }));
      },
      job_finished: (text) => {
        const data = parse<JobFinishedEvent>(text);
        if (!data) return;
        setJobFinished((m) => ({ ...m, [data.job_id]: data }));
        void queryClient.invalidateQueries({ queryKey: ["job", data.job_id] });
        void queryClient.invalidateQueries({ queryKey: ["imports"] });
        void queryClient.invalidateQueries({ queryKey: ["instruments"] });
      },
      analysis_updated: (text) => {
        const data = parse<AnalysisUpdatedEvent>(text);
        if (!data) return;
        // Every view of the run may be stale now.
        void queryClient.invalidateQueries({ queryKey: ["strategies"] });
        void queryClient.invalidateQueries({ queryKey: ["runs"] });
        void queryClient.invalidateQueries({ queryKey: ["run", data.run_id] });
        void queryClient.invalidateQueries({ queryKey: ["trades"] });
        void queryClient.invalidateQueries({ queryKey: ["trade"] });
        // A stream session's entry in the history grows with its run.
        void queryClient.invalidateQueries({ queryKey: ["imports"] });
        // One toast per run: a later update replaces the earlier one.
        const toast = analysisToast(data);
        setToasts((list) => [...list.filter((t) => t.id !== toast.id), toast]);
        dismissLater(toast.id);
      },
      // An import by the CLI, the watched folder or another server.
      import_finished: () => {
        void queryClient.invalidateQueries({ queryKey: ["imports"] });
        void queryClient.invalidateQueries({ queryKey: ["instruments"] });
      },
      instrument_updated: () => {
        void queryClient.invalidateQueries({ queryKey: ["instruments"] });
      },
      // Some events were missed for good (the server no longer keeps them): reload everything.
      resync: () => {
        void queryClient.invalidateQueries();
      },
      analysis_failed: (text) => {
        const data = parse<AnalysisFailedEvent>(text);
        if (!data) return;
        // The run's banner shows the failure and its reason.
        void queryClient.invalidateQueries({ queryKey: ["runs"] });
        void queryClient.invalidateQueries({ queryKey: ["run", data.run_id] });
      },
      run_updated: (text) => {
        const data = parse<RunChangedEvent>(text);
        if (!data) return;
        void queryClient.invalidateQueries({ queryKey: ["runs"] });
        void queryClient.invalidateQueries({ queryKey: ["run", data.run_id, "detail"] });
      },
      run_deleted: (text) => {
        const data = parse<RunChangedEvent>(text);
        if (!data) return;
        forgetRun(queryClient, data.run_id);
        setToasts((list) => list.filter((t) => t.runId !== data.run_id));
      },
    };
    const close = openEventStream("/api/events", {
      onOpen: () => setConnected(true),
      onClose: () => setConnected(false),
      onEvent: (event) => handlers[event.type]?.(event.data),
    });
    const pending = timers.current;
    return () => {
      close();
      for (const t of pending.values()) window.clearTimeout(t);
      pending.clear();
    };
  }, [queryClient, keyVersion]);

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

function parse<T>(data: string): T | null {
  try {
    return JSON.parse(data) as T;
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
