import { fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import type { ImportReport } from "../../api/types";
import { changedFields, ImportReportView, reportSentence } from "./ImportReportView";

function report(overrides: Partial<ImportReport> = {}): ImportReport {
  return {
    import_id: null,
    status: "dry_run",
    source: "upload",
    file_name: "run.sqlite",
    sha256: "ab",
    size_bytes: 2048,
    schema_version: "1.1",
    run_ids: ["run-1"],
    counts: {
      executions: { inserted: 120, updated: 0, unchanged: 3, rejected: 2, conflicts: 1 },
      orders: { inserted: 50, updated: 1, unchanged: 0, rejected: 0, conflicts: 0 },
      bars: { inserted: 0, updated: 0, unchanged: 0, rejected: 0, conflicts: 0 },
    },
    rejected: [
      { table: "executions", position: 7, key: "e-7", reason: "price must be > 0", record: { price: 0 } },
      { table: "executions", position: 9, key: "e-9", reason: "unknown side 'HOLD'", record: null },
    ],
    conflicts: [
      {
        table: "executions",
        run_id: "run-1",
        key: "e-3",
        old_values: { price: 101, fee: 1 },
        new_values: { price: 102, fee: 1 },
        kept_stored: false,
      },
      {
        table: "instruments",
        run_id: null,
        key: "ES",
        old_values: { point_value: 20 },
        new_values: { point_value: 50 },
        kept_stored: true,
      },
    ],
    error: null,
    duration_seconds: 0.4,
    duplicate_of: null,
    ...overrides,
  };
}

describe("ImportReportView", () => {
  it("shows new / changed / unchanged / conflicts / rejected per table, in table order", () => {
    render(<ImportReportView report={report()} />);
    const rows = screen.getAllByRole("row").filter((r) => r.hasAttribute("data-table"));
    expect(rows.map((r) => r.getAttribute("data-table"))).toEqual(["bars", "orders", "executions"]);
    const exec = rows[2] as HTMLElement;
    const cell = (col: string) => within(exec).getByText((_, el) => el?.getAttribute("data-col") === col);
    expect(cell("inserted")).toHaveTextContent("120");
    expect(cell("unchanged")).toHaveTextContent("3");
    expect(cell("rejected")).toHaveTextContent("2");
    expect(cell("conflicts")).toHaveTextContent("1");
  });

  it("lists every rejected record with its position, key and reason", () => {
    render(<ImportReportView report={report()} />);
    const rows = screen.getAllByTestId("rejected-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("e-7");
    expect(rows[0]).toHaveTextContent("price must be > 0");
    expect(rows[1]).toHaveTextContent("unknown side 'HOLD'");
  });

  it("shows the changed fields of a conflict and what the import did", () => {
    render(<ImportReportView report={report()} />);
    const [row, instrument] = screen.getAllByTestId("conflict-row");
    expect(row).toHaveTextContent("price 101 → 102");
    expect(row).not.toHaveTextContent("fee");
    expect(row).toHaveTextContent("replaced");
    // An instrument the user set keeps the user's value.
    expect(instrument).toHaveTextContent("point_value 20 → 50");
    expect(instrument).toHaveTextContent("kept your value");
  });

  it("says when a file was imported before", () => {
    render(<ImportReportView report={report({ duplicate_of: 4 })} />);
    expect(screen.getByRole("note")).toHaveTextContent("already imported (import #4)");
  });

  it("shows why a refused file was refused, without a counts table", () => {
    render(
      <ImportReportView
        report={report({ status: "refused", error: "not a SQLite file", counts: {}, rejected: [], conflicts: [] })}
      />,
    );
    expect(screen.getByTestId("report-summary")).toHaveTextContent("File refused: not a SQLite file");
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("collapses long rejected lists behind a button", () => {
    const many = Array.from({ length: 75 }, (_, i) => ({
      table: "orders",
      position: i,
      key: `o-${i}`,
      reason: "quantity must be > 0",
      record: null,
    }));
    render(<ImportReportView report={report({ rejected: many })} />);
    expect(screen.getAllByTestId("rejected-row")).toHaveLength(50);
    fireEvent.click(screen.getByRole("button", { name: "Show all 75" }));
    expect(screen.getAllByTestId("rejected-row")).toHaveLength(75);
  });
});

describe("reportSentence", () => {
  it("summarises a dry run in words", () => {
    expect(reportSentence(report())).toBe(
      "Found 50 new / 1 changed orders, 120 new / 3 unchanged executions; 1 conflict, 2 rejected.",
    );
  });
  it("uses the past tense after an import", () => {
    expect(reportSentence(report({ status: "succeeded" }))).toMatch(/^Imported 50 new/);
  });
});

describe("changedFields", () => {
  it("treats missing values as null", () => {
    expect(
      changedFields({
        table: "executions",
        run_id: null,
        key: "k",
        old_values: { fee: 1 },
        new_values: {},
        kept_stored: false,
      }),
    ).toEqual(["fee 1 → null"]);
  });
});

describe("ImportReportView findings", () => {
  it("lists the findings a dry run would produce, with their verdict and without links", () => {
    render(
      <MemoryRouter>
        <ImportReportView
          report={report({
            findings: [
              { run_id: "run-1", check: "execution_without_order", severity: "warning", count: 2, examples: ["e-1", "e-2"] },
            ],
            verdict: "warnings",
          })}
        />
      </MemoryRouter>,
    );
    const box = screen.getByTestId("report-findings");
    expect(within(box).getByText("warnings")).toHaveAttribute("data-verdict", "warnings");
    expect(box).toHaveTextContent("nothing is written yet");
    expect(within(box).getByText("e-2")).toBeInTheDocument();
    expect(within(box).queryAllByRole("link")).toHaveLength(0);
  });
  it("says nothing about findings for an import that wrote its data", () => {
    render(
      <MemoryRouter>
        <ImportReportView report={report({ status: "succeeded", findings: [], verdict: null })} />
      </MemoryRouter>,
    );
    expect(screen.queryByTestId("report-findings")).toBeNull();
  });
});
