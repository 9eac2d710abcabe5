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
    kind: "import",
    run_id: "r",
    strategy_id: "S",
    session_id: null,
    batch_count: null,
    last_batch_at: null,
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

  it("tells uploads of one name apart by size and short sha256, with strategy and run", () => {
    renderTable([
      entry(2, { file_name: "export.sqlite", size_bytes: 2048, sha256: "ab12cd34ef56aa77bb88" }),
      entry(1, { file_name: "export.sqlite", size_bytes: 2048, sha256: "99ffee00112233445566", strategy_id: "Other", run_id: "r2" }),
    ]);
    const [newer, older] = screen.getAllByTestId("import-row").map((r) => within(r as HTMLElement));
    expect(newer!.getByText("2.0 KB · sha ab12cd34ef")).toBeInTheDocument();
    expect(older!.getByText("2.0 KB · sha 99ffee0011")).toBeInTheDocument();
    expect(newer!.getByText("S")).toBeInTheDocument();
    expect(older!.getByText("Other")).toBeInTheDocument();
    expect(older!.getByText("r2")).toBeInTheDocument();
  });

  it("shows a stream session as one row with its batches and last batch time", () => {
    renderTable([
      entry(9, {
        kind: "stream_session",
        source: "stream",
        file_name: null,
        sha256: null,
        size_bytes: null,
        status: "live",
        batch_count: 1000,
        last_batch_at: "2025-01-06T15:00:00Z",
      }),
    ]);
    const row = within(screen.getByTestId("import-row"));
    expect(row.getByText("Stream session · 1,000 batches")).toBeInTheDocument();
    expect(row.getByText("last batch 2025-01-06 15:00:00")).toBeInTheDocument();
    expect(row.getByText("live")).toBeInTheDocument();
    expect(row.getByRole("link", { name: /2025-01-06/ })).toHaveAttribute("href", "/imports/9");
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
