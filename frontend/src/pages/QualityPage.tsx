import { Link, useParams } from "react-router-dom";
import { serverOffers, useQuality } from "../api/analysis";
import { useRun } from "../api/queries";
import { Empty, ErrorState, Loading } from "../components/common/States";
import { FindingsList } from "../components/quality/FindingsList";
import { QualityBadge } from "../components/quality/QualityBadge";
import { RunName } from "../components/runs/RunName";

/** The run's data-quality findings: each check with its severity, count and examples. */
export default function QualityPage() {
  const runId = useParams().runId ?? "";
  const run = useRun(runId);
  const quality = useQuality(runId);
  return (
    <div className="page" data-testid="quality-page">
      <div className="breadcrumbs">
        <Link to="/runs">Runs</Link> <span>/</span>
        <Link to={`/runs/${encodeURIComponent(runId)}`}>
          <RunName run={{ run_id: runId, name: run.data?.name ?? null }} copy={false} />
        </Link>
        <span>/</span> <span>Data quality</span>
      </div>
      <div className="page-head">
        <h1>Data quality</h1>
        {quality.data && <QualityBadge runId={runId} findings={quality.data.findings} />}
      </div>
      {!serverOffers("/api/runs/{run_id}/quality") ? (
        <Empty title="Data-quality checks are not available on this server" />
      ) : quality.isPending ? (
        <Loading rows={5} />
      ) : quality.isError ? (
        <ErrorState error={quality.error} retry={() => void quality.refetch()} />
      ) : (
        <section className="panel">
          <p className="faint" style={{ marginTop: 0 }}>
            Checked after every import and stream rebuild. Errors make figures wrong; warnings mark records to look at;
            notes describe the data. Up to 20 examples per check.
          </p>
          <FindingsList findings={quality.data.findings} runId={runId} />
        </section>
      )}
    </div>
  );
}
