import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import type { ImportReport } from "../../api/types";
import { reportFindings } from "../data/ImportReportView";
import { FindingsList } from "./FindingsList";
import { findingsSummary } from "./QualityBadge";

const findings = [
  { check: "open_at_end", severity: "info" as const, count: 1, examples: ["t-1"] },
  { check: "overfilled_order", severity: "warning" as const, count: 3, examples: ["o-1", "o-2"] },
];

describe("FindingsList", () => {
  it("lists the worst first with links to the records and says how many more there are", () => {
    render(
      <MemoryRouter>
        <FindingsList findings={findings} runId="r1" />
      </MemoryRouter>,
    );
    const rows = screen.getAllByRole("row").slice(1);
    expect(rows.map((r) => r.dataset.check)).toEqual(["overfilled_order", "open_at_end"]);
    expect(within(rows[0]!).getByRole("link", { name: "o-2" })).toHaveAttribute("href", "/runs/r1/orders?order=o-2");
    expect(rows[0]).toHaveTextContent("and 1 more");
  });
  it("does not link the examples of a dry run", () => {
    render(
      <MemoryRouter>
        <FindingsList findings={findings} />
      </MemoryRouter>,
    );
    expect(screen.queryAllByRole("link")).toHaveLength(0);
  });
});

describe("findingsSummary", () => {
  it("counts the findings by severity", () => {
    expect(findingsSummary(findings)).toBe("1 warning, 1 note");
    expect(findingsSummary([])).toBe("no finding");
  });
});

describe("reportFindings", () => {
  const base = { status: "dry_run", source: "upload", duration_seconds: 0 } as ImportReport;
  it("is null when the report carries no findings, or wrote its data", () => {
    expect(reportFindings(base)).toBeNull();
    expect(reportFindings({ ...base, status: "succeeded", findings: [] } as ImportReport)).toBeNull();
  });
  it("groups a dry run's findings by their run", () => {
    const [a, b] = findings;
    expect(
      reportFindings({ ...base, run_ids: ["r1", "r2"], findings: [{ ...a, run_id: "r1" }, { ...b, run_id: "r2" }] } as ImportReport),
    ).toEqual([
      { runId: "r1", findings: [{ ...a, run_id: "r1" }] },
      { runId: "r2", findings: [{ ...b, run_id: "r2" }] },
    ]);
  });
  it("says a clean dry run is clean, and takes an object by run", () => {
    expect(reportFindings({ ...base, run_ids: ["r1"], findings: [], verdict: "clean" } as ImportReport)).toEqual([
      { runId: "r1", findings: [] },
    ]);
    expect(reportFindings({ ...base, findings: { r2: findings } } as unknown as ImportReport)).toEqual([{ runId: "r2", findings }]);
  });
});
