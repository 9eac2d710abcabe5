import { Link } from "react-router-dom";
import { sortFindings, type Finding } from "../../api/analysis";
import { fmtInt } from "../../format";
import { exampleLink } from "./examples";

/** What each check found, in words (analytics.md "Data quality"). */
export const CHECK_TEXT: Record<string, string> = {
  point_value_missing: "A traded symbol has no instrument row: its PnL used point value 1.",
  reconciliation_mismatch: "The strategy's reported net PnL or trade count differs from the platform's.",
  fill_outside_bar: "An execution's price lies outside the high–low range of the bar that contains its time.",
  execution_without_order: "An execution names an order that is not stored.",
  overfilled_order: "An order's filled quantity exceeds its quantity.",
  order_left_working: "The run is completed and an order is still working (not filled, cancelled, rejected or expired).",
  open_at_end: "The run is completed and a trade is still open.",
  bar_gap: "The bars of a traded symbol have a hole longer than 3 bars and 2 hours, outside weekends.",
  no_bars: "A traded symbol has no bars: its excursions are missing.",
};

const TONE: Record<string, string> = { error: "bad", warning: "warn", info: "info" };

/**
 * Every finding with its severity, count and examples; examples link to their records when
 * `runId` is known (a dry run has stored nothing to link to).
 */
export function FindingsList({ findings, runId }: { findings: readonly Finding[]; runId?: string }) {
  if (findings.length === 0) {
    return (
      <p className="faint" data-testid="findings-none">
        No finding: every check passed.
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="data compact" data-testid="findings" aria-label="Data-quality findings">
        <thead>
          <tr>
            <th>Severity</th>
            <th>Check</th>
            <th className="r">Records</th>
            <th>Examples</th>
          </tr>
        </thead>
        <tbody>
          {sortFindings(findings).map((f) => (
            <tr key={f.check} data-check={f.check} data-severity={f.severity}>
              <td>
                <span className={`badge ${TONE[f.severity] ?? ""}`}>{f.severity}</span>
              </td>
              <td style={{ whiteSpace: "normal", minWidth: 220 }}>
                <div className="mono">{f.check}</div>
                <div className="faint">{CHECK_TEXT[f.check] ?? ""}</div>
              </td>
              <td className="r num">{fmtInt(f.count)}</td>
              <td style={{ whiteSpace: "normal" }}>
                <Examples finding={f} runId={runId} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Examples({ finding, runId }: { finding: Finding; runId?: string }) {
  const shown = finding.examples.map((e) => exampleLink(runId ?? "", finding.check, e));
  const more = finding.count - shown.length;
  return (
    <span className="row" style={{ gap: 8, flexWrap: "wrap" }}>
      {shown.map((e, i) =>
        runId && e.href ? (
          <Link key={`${e.label}-${i}`} to={e.href} className="mono" data-kind={e.kind}>
            {e.label}
          </Link>
        ) : (
          <span key={`${e.label}-${i}`} className="mono dim" data-kind={e.kind}>
            {e.label}
          </span>
        ),
      )}
      {more > 0 && <span className="faint">and {fmtInt(more)} more</span>}
    </span>
  );
}
