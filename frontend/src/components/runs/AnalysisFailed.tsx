import type { Run } from "../../api/types";
import { fmtTime } from "../../format";

type AnalysisState = Pick<Run, "analysis_status" | "analysis_error" | "analysis_failed_at" | "analysis_failed_symbols">;

/** The banner of a run whose last rebuild failed: what is stale, since when, and why. */
export function AnalysisFailedBanner({ run }: { run: AnalysisState }) {
  if (run.analysis_status !== "failed") return null;
  const symbols = run.analysis_failed_symbols;
  return (
    <div className="banner error" role="alert" data-testid="analysis-failed">
      <strong>Analysis failed</strong>
      <span>
        {" "}
        at {fmtTime(run.analysis_failed_at)}
        {symbols.length > 0 && <> for {symbols.join(", ")}</>}: {run.analysis_error ?? "no reason given"}.
      </span>
      <div className="dim">
        The trades and statistics shown are those of the last rebuild that succeeded and may miss the data received
        since. They are rebuilt when new data for the run arrives or on <span className="mono">cli.py rebuild</span>.
      </div>
    </div>
  );
}

/** The runs list's banner: how many of the listed runs have a failed analysis. */
export function AnalysisFailedSummary({ runs }: { runs: AnalysisState[] }) {
  const failed = runs.filter((r) => r.analysis_status === "failed").length;
  if (failed === 0) return null;
  return (
    <div className="banner error" role="alert" data-testid="analysis-failed-summary">
      <strong>Analysis failed</strong> for {failed === 1 ? "1 run" : `${failed} runs`}: their trades and statistics
      may be out of date (the reason is on each run).
    </div>
  );
}

/** A run's badge and reason in the runs table. */
export function AnalysisFailedNote({ run }: { run: AnalysisState }) {
  if (run.analysis_status !== "failed") return null;
  return (
    <div className="analysis-failed-note" data-testid="analysis-failed-note" title={run.analysis_error ?? undefined}>
      <span className="badge bad">analysis failed</span> <span className="down">{run.analysis_error}</span>
    </div>
  );
}
