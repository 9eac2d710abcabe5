import { useState } from "react";
import type { ConflictRecord, ImportReport, RejectedRecord, TableCounts } from "../../api/types";
import { withoutInternalNames } from "../../api/errors";
import { qualityVerdict, type Finding } from "../../api/analysis";
import { FindingsList } from "../quality/FindingsList";
import { fmtBytes, fmtDuration, fmtInt } from "../../format";
import { plural } from "../../text";
import { StatusBadge } from "../common/StatusBadge";

const TABLE_ORDER = ["instruments", "bars", "orders", "executions"];
const SHOWN_AT_FIRST = 50;

/** Per-table counts, the rejected records with reasons and the conflicts of one import. */
/** `compact` leaves out the status and size, for a card that already shows them. */
export function ImportReportView({ report: raw, compact = false }: { report: ImportReport; compact?: boolean }) {
  const report = normalizeReport(raw);
  const tables = orderedTables(report.counts);
  const totals = sumCounts(tables.map(([, c]) => c));
  return (
    <div className="stack" data-testid="import-report">
      <div className="row">
        {!compact && <StatusBadge status={report.status} />}
        {report.schema_version && <span className="dim">schema {report.schema_version}</span>}
        {!compact && report.size_bytes != null && <span className="dim">{fmtBytes(report.size_bytes)}</span>}
        {report.duration_seconds > 0 && <span className="dim">{fmtDuration(report.duration_seconds)}</span>}
        {report.run_ids.length > 0 && (
          <span className="dim">
            {report.run_ids.length === 1 ? "run " : "runs "}
            <span className="mono">{report.run_ids.join(", ")}</span>
          </span>
        )}
      </div>
      <p className="summary-line" data-testid="report-summary">
        {reportSentence(report)}
      </p>
      {report.duplicate_of != null && (
        <div className="badge warn" role="note" style={{ alignSelf: "flex-start" }}>
          This file was already imported (import #{report.duplicate_of}); importing again changes nothing.
        </div>
      )}
      {report.warnings.map((warning) => (
        <div key={warning} className="badge warn" role="note" style={{ alignSelf: "flex-start", whiteSpace: "normal" }}>
          {warning}
        </div>
      ))}
      {reportFindings(raw) && <ReportFindings groups={reportFindings(raw) ?? []} dryRun={report.status === "dry_run"} />}
      {report.error && (
        <div className="state error" role="alert" style={{ padding: 8, textAlign: "left" }}>
          {withoutInternalNames(report.error, report.file_name ?? undefined)}
        </div>
      )}
      {tables.length > 0 && (
        <div className="table-wrap">
          <table className="data compact" aria-label="Records per table">
            <thead>
              <tr>
                <th>Table</th>
                <th className="r">New</th>
                <th className="r">Changed</th>
                <th className="r">Unchanged</th>
                <th className="r">Conflicts</th>
                <th className="r">Rejected</th>
              </tr>
            </thead>
            <tbody>
              {tables.map(([name, c]) => (
                <tr key={name} data-table={name}>
                  <td>{name}</td>
                  <td className="r num" data-col="inserted">{fmtInt(c.inserted)}</td>
                  <td className="r num" data-col="updated">{fmtInt(c.updated)}</td>
                  <td className="r num dim" data-col="unchanged">{fmtInt(c.unchanged)}</td>
                  <td className={`r num ${c.conflicts ? "down" : ""}`} data-col="conflicts">{fmtInt(c.conflicts)}</td>
                  <td className={`r num ${c.rejected ? "down" : ""}`} data-col="rejected">{fmtInt(c.rejected)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <td>total</td>
                <td className="r num">{fmtInt(totals.inserted)}</td>
                <td className="r num">{fmtInt(totals.updated)}</td>
                <td className="r num">{fmtInt(totals.unchanged)}</td>
                <td className="r num">{fmtInt(totals.conflicts)}</td>
                <td className="r num">{fmtInt(totals.rejected)}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      {report.rejected.length > 0 && <RejectedList records={report.rejected} total={totals.rejected} />}
      {report.conflicts.length > 0 && <ConflictList conflicts={report.conflicts} total={totals.conflicts} />}
    </div>
  );
}

function RejectedList({ records, total }: { records: RejectedRecord[]; total: number }) {
  const [all, setAll] = useState(false);
  const shown = all ? records : records.slice(0, SHOWN_AT_FIRST);
  return (
    <section aria-label="Rejected records">
      <h3>
        Rejected records ({fmtInt(Math.max(total, records.length))})
        {total > records.length && <span className="faint"> — first {fmtInt(records.length)} listed</span>}
      </h3>
      <div className="table-wrap" style={{ maxHeight: 320 }}>
        <table className="data compact">
          <thead>
            <tr>
              <th>Table</th>
              <th className="r">Position</th>
              <th>Key</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r, i) => (
              <tr key={`${r.table}-${r.position ?? i}-${i}`} data-testid="rejected-row">
                <td>{r.table}</td>
                <td className="r num">{r.position ?? "—"}</td>
                <td className="mono">{r.key ?? "—"}</td>
                <td style={{ whiteSpace: "normal" }}>{r.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {records.length > SHOWN_AT_FIRST && (
        <button type="button" className="small ghost" onClick={() => setAll((v) => !v)} style={{ marginTop: 6 }}>
          {all ? "Show fewer" : `Show all ${fmtInt(records.length)}`}
        </button>
      )}
    </section>
  );
}

function ConflictList({ conflicts, total }: { conflicts: ConflictRecord[]; total: number }) {
  const shown = conflicts.slice(0, SHOWN_AT_FIRST);
  return (
    <section aria-label="Conflicts">
      <h3>
        Conflicts ({fmtInt(Math.max(total, conflicts.length))}) — replaced values are kept in this import's record;
        instrument settings you saved are never replaced
      </h3>
      <div className="table-wrap" style={{ maxHeight: 320 }}>
        <table className="data compact">
          <thead>
            <tr>
              <th>Table</th>
              <th>Key</th>
              <th>Changed</th>
              <th>Outcome</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c, i) => (
              <tr key={`${c.table}-${c.key}-${i}`} data-testid="conflict-row">
                <td>{c.table}</td>
                <td className="mono">{c.key}</td>
                <td className="mono" style={{ whiteSpace: "normal" }}>
                  {changedFields(c).join("; ")}
                </td>
                <td className={c.kept_stored ? "" : "dim"} data-col="outcome">
                  {c.kept_stored ? "kept your value" : "replaced"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** "price 101 → 102" for every field whose value differs. */
export function changedFields(c: ConflictRecord): string[] {
  const keys = new Set([...Object.keys(c.old_values), ...Object.keys(c.new_values)]);
  const out: string[] = [];
  for (const k of keys) {
    const a = c.old_values[k];
    const b = c.new_values[k];
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${k} ${String(a ?? "null")} → ${String(b ?? "null")}`);
  }
  return out;
}

type FullReport = Required<Omit<ImportReport, "affected" | "findings" | "verdict">>;

/**
 * The data-quality findings the file would produce, per run: a dry run's report lists them,
 * each with its `run_id` (or, keyed by run, as an object). Null when the report carries
 * none (an import that wrote its data: the run's own findings page shows them).
 */
export function reportFindings(r: ImportReport): { runId: string | null; findings: Finding[] }[] | null {
  const raw = (r as { findings?: unknown }).findings;
  const verdict = (r as { verdict?: unknown }).verdict;
  if (raw == null || (verdict == null && r.status !== "dry_run")) return null;
  if (Array.isArray(raw)) {
    const only = r.run_ids?.length === 1 ? (r.run_ids[0] ?? null) : null;
    const groups = new Map<string | null, Finding[]>();
    for (const f of raw as (Finding & { run_id?: string })[]) {
      const runId = f.run_id ?? only;
      groups.set(runId, [...(groups.get(runId) ?? []), f]);
    }
    if (groups.size === 0) return [{ runId: only, findings: [] }];
    return [...groups].map(([runId, findings]) => ({ runId, findings }));
  }
  if (typeof raw === "object") {
    return Object.entries(raw as Record<string, Finding[]>).map(([runId, findings]) => ({ runId, findings }));
  }
  return null;
}

function ReportFindings({ groups, dryRun }: { groups: { runId: string | null; findings: Finding[] }[]; dryRun: boolean }) {
  return (
    <div className="stack" data-testid="report-findings">
      {groups.map((g) => (
        <div key={g.runId ?? ""} className="stack">
          <div className="row">
            <strong>Data quality{g.runId && groups.length > 1 ? ` · run ${g.runId}` : ""}</strong>
            <span className={`badge ${VERDICT_TONE[qualityVerdict(g.findings)]}`} data-verdict={qualityVerdict(g.findings)}>
              {qualityVerdict(g.findings)}
            </span>
            {dryRun && <span className="faint">what this file would produce; nothing is written yet</span>}
          </div>
          {/* A dry run stored nothing: its examples are not links. */}
          <FindingsList findings={g.findings} runId={dryRun ? undefined : (g.runId ?? undefined)} />
        </div>
      ))}
    </div>
  );
}

const VERDICT_TONE = { clean: "ok", warnings: "warn", errors: "bad" } as const;

/** The report with every list and map present (the server may leave empty ones out). */
export function normalizeReport(r: ImportReport): FullReport {
  return {
    import_id: r.import_id ?? null,
    status: r.status,
    source: r.source,
    file_name: r.file_name ?? null,
    sha256: r.sha256 ?? null,
    size_bytes: r.size_bytes ?? null,
    schema_version: r.schema_version ?? null,
    run_ids: r.run_ids ?? [],
    counts: r.counts ?? {},
    rejected: r.rejected ?? [],
    conflicts: r.conflicts ?? [],
    error: r.error ?? null,
    duration_seconds: r.duration_seconds ?? 0,
    duplicate_of: r.duplicate_of ?? null,
    warnings: r.warnings ?? [],
  };
}

function orderedTables(counts: Record<string, TableCounts>): [string, TableCounts][] {
  const names = Object.keys(counts).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return names.map((n) => [n, counts[n] as TableCounts]);
}

function rank(name: string): number {
  const i = TABLE_ORDER.indexOf(name);
  return i < 0 ? TABLE_ORDER.length : i;
}

export function sumCounts(list: TableCounts[]): TableCounts {
  return list.reduce(
    (acc, c) => ({
      inserted: acc.inserted + c.inserted,
      updated: acc.updated + c.updated,
      unchanged: acc.unchanged + c.unchanged,
      rejected: acc.rejected + c.rejected,
      conflicts: acc.conflicts + c.conflicts,
    }),
    { inserted: 0, updated: 0, unchanged: 0, rejected: 0, conflicts: 0 },
  );
}

/** "Found 50 new orders, 120 new executions, 0 conflicts, 2 rejected." */
export function reportSentence(raw: ImportReport): string {
  const report = normalizeReport(raw);
  if (report.status === "refused" || report.status === "failed") {
    const reason = report.error ? withoutInternalNames(report.error, report.file_name ?? undefined) : "no reason given";
    return `${report.status === "refused" ? "File refused" : "Import failed"}: ${reason}`;
  }
  const verb = report.status === "dry_run" ? "Found" : "Imported";
  const parts: string[] = [];
  for (const [name, c] of orderedTables(report.counts)) {
    const bits: string[] = [];
    if (c.inserted) bits.push(`${fmtInt(c.inserted)} new`);
    if (c.updated) bits.push(`${fmtInt(c.updated)} changed`);
    if (c.unchanged) bits.push(`${fmtInt(c.unchanged)} unchanged`);
    // The table's name agrees with its records together: "1 new instrument", "2 new bars".
    const records = c.inserted + c.updated + c.unchanged;
    if (bits.length) parts.push(`${bits.join(" / ")} ${records === 1 ? name.replace(/s$/, "") : name}`);
  }
  const totals = sumCounts(Object.values(report.counts));
  const head = parts.length ? `${verb} ${parts.join(", ")}` : `${verb} no records`;
  return `${head}; ${plural(totals.conflicts, "conflict")}, ${fmtInt(totals.rejected)} rejected.`;
}
