import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import type { ImportSummary } from "../../api/types";
import { ImportHistoryTable } from "./ImportHistoryTable";

function entry(id: number, overrides: Partial<ImportSummary> = {}): ImportSummary {
  return {
    import_id: id,
    created_at: "2025-01-06T14:30:05.250000Z",
    finished_at: "2025-01-06T14:30:07Z",
    source: "upload",
    file_name: `export-${id}.sqlite`,
    sha256: "00",
    size_bytes: 1000,
    schema_version: "1.1",
    job_id: null,
    status: "succeeded",
    run_ids: ["r"],
    counts: {
      orders: { inserted: 10, updated: 2, unchanged: 5, rejected: 1, conflicts: 0 },
      executions: { inserted: 20, updated: 0, unchanged: 0, rejected: 0, conflicts: 3 },
    },
    rejected_count: 1,
    conflict_count: 3,
    error: null,
    duration_seconds: 75,
    ...overrides,
  };
}

function renderTable(imports: ImportSummary[]) {
  return render(
    <MemoryRouter>
      <ImportHistoryTable imports={imports} />
    </MemoryRouter>,
  );
}

describe("ImportHistoryTable", () => {
  it("shows time, file, source, records, status and duration per import, in the given order", () => {
    renderTable([entry(2), entry(1, { status: "failed", source: "watch", error: "truncated" })]);
    const rows = screen.getAllByTestId("import-row");
    expect(rows.map((r) => r.getAttribute("data-import-id"))).toEqual(["2", "1"]);
    const first = within(rows[0] as HTMLElement);
    expect(first.getByText("export-2.sqlite")).toBeInTheDocument();
    expect(first.getByText("2025-01-06 14:30:05.250")).toBeInTheDocument();
    // records = new + changed + unchanged + rejected over all tables
    expect(first.getByText("38")).toBeInTheDocument();
    expect(first.getByText("1m 15s")).toBeInTheDocument();
    expect(first.getByText("succeeded")).toBeInTheDocument();
    const second = within(rows[1] as HTMLElement);
    expect(second.getByText("watch")).toBeInTheDocument();
    expect(second.getByText("failed")).toHaveClass("bad");
  });

  it("links each import to its details", () => {
    renderTable([entry(7)]);
    expect(screen.getByRole("link")).toHaveAttribute("href", "/imports/7");
  });

  it("says so when there is no import", () => {
    renderTable([]);
    expect(screen.getByText("No imports yet")).toBeInTheDocument();
  });

  it("falls back to the record's own start and end when no duration was stored", () => {
    renderTable([entry(4, { duration_seconds: 0, created_at: "2025-01-06T14:30:00Z", finished_at: "2025-01-06T14:30:30Z" })]);
    expect(screen.getByText("30s")).toBeInTheDocument();
  });

  it("copes with an import that has no counts", () => {
    renderTable([entry(3, { counts: {}, status: "refused", rejected_count: 0, conflict_count: 0 })]);
    expect(screen.getByText("refused")).toBeInTheDocument();
  });
});
