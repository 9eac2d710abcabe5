import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import { notOffered, qualityVerdict, useQuality, type Finding, type Verdict } from "../../api/analysis";
import { plural } from "../../text";
import { errorMessage } from "../common/States";

const TONE: Record<Verdict, string> = { clean: "ok", warnings: "warn", errors: "bad" };

/** "2 errors, 1 warning, 3 notes": the findings by severity, for the badge's title. */
export function findingsSummary(findings: readonly Pick<Finding, "severity">[]): string {
  const n = (s: string) => findings.filter((f) => f.severity === s).length;
  const parts = [
    n("error") && plural(n("error"), "error"),
    n("warning") && plural(n("warning"), "warning"),
    n("info") && plural(n("info"), "note"),
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "no finding";
}

/** The verdict as a badge linking to the run's findings; `children` follow the verdict. */
function VerdictLink({
  runId,
  verdict,
  title,
  children,
}: {
  runId: string;
  verdict: Verdict;
  title: string;
  children?: ReactNode;
}) {
  return (
    <Link
      to={`/runs/${encodeURIComponent(runId)}/quality`}
      className={`badge ${TONE[verdict]}`}
      data-testid="quality-badge"
      data-verdict={verdict}
      title={title}
    >
      {verdict === "clean" ? "data clean" : `data ${verdict}`}
      {children}
    </Link>
  );
}

/**
 * A verdict the run list gives (`quality_verdict`), linking to the findings; nothing for a
 * run not assessed yet or a server that gives none.
 */
export function VerdictBadge({ runId, verdict }: { runId: string; verdict: Verdict | null | undefined }) {
  if (!verdict) return null;
  return <VerdictLink runId={runId} verdict={verdict} title="Data quality: open the findings" />;
}

/** The run's data-quality verdict, linking to its findings. */
export function QualityBadge({ runId, findings }: { runId: string; findings: readonly Finding[] }) {
  const verdict = qualityVerdict(findings);
  const notes = findings.filter((f) => f.severity === "info").length;
  return (
    <VerdictLink runId={runId} verdict={verdict} title={`Data quality: ${findingsSummary(findings)}`}>
      {verdict === "clean" && notes > 0 ? ` · ${notes}` : ""}
    </VerdictLink>
  );
}

/** The badge, loading the run's findings itself; nothing while they load. */
export function RunQualityBadge({ runId }: { runId: string }) {
  const quality = useQuality(runId);
  if (quality.isError && notOffered(quality.error)) return null;
  if (quality.isError) {
    return (
      <span className="badge" data-testid="quality-badge" data-verdict="unknown" title={errorMessage(quality.error)}>
        data quality unknown
      </span>
    );
  }
  if (!quality.data) return null;
  return <QualityBadge runId={runId} findings={quality.data.findings} />;
}
