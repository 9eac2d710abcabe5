import { useRun } from "../../api/queries";
import { CopyButton } from "../common/CopyButton";

interface NamedRun {
  run_id: string;
  name: string | null;
}

export function shortRunId(runId: string): string {
  return runId.length > 14 ? `${runId.slice(0, 12)}…` : runId;
}

/** The user's name for the run, else its id (shortened). */
export function runDisplayName(run: NamedRun): string {
  return run.name ?? shortRunId(run.run_id);
}

/** The run's name (its id on hover), with a button that copies the full id. */
export function RunName({ run, copy = true }: { run: NamedRun; copy?: boolean }) {
  return (
    <span className="run-name">
      <span className={run.name ? "" : "mono"} title={run.run_id} data-testid="run-name">
        {runDisplayName(run)}
      </span>
      {copy && <CopyButton value={run.run_id} label="Copy run id" />}
    </span>
  );
}

/** The name of a run known only by id (fetched; its id until then or when it is gone). */
export function RunLabel({ runId, copy = false }: { runId: string; copy?: boolean }) {
  const run = useRun(runId);
  return <RunName run={{ run_id: runId, name: run.data?.name ?? null }} copy={copy} />;
}
