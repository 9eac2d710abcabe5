import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AnalysisFailedBanner, AnalysisFailedNote, AnalysisFailedSummary } from "./AnalysisFailed";

const failed = {
  analysis_status: "failed" as const,
  analysis_error: "ExecutionDataError: execution 'e7' (ES): quantity must be finite and > 0",
  analysis_failed_at: "2025-01-06T22:01:02Z",
  analysis_failed_symbols: ["ES", "NQ"],
};
const built = { analysis_status: "built" as const, analysis_error: null, analysis_failed_at: null, analysis_failed_symbols: [] };

describe("AnalysisFailedBanner", () => {
  it("says what failed, when, for which symbols and why", () => {
    render(<AnalysisFailedBanner run={failed} />);
    const banner = screen.getByRole("alert");
    expect(banner).toHaveTextContent("Analysis failed");
    expect(banner).toHaveTextContent("for ES, NQ");
    expect(banner).toHaveTextContent("quantity must be finite and > 0");
    expect(banner).toHaveTextContent("last rebuild that succeeded");
  });
  it("is absent while the analysis is sound", () => {
    const { container } = render(<AnalysisFailedBanner run={built} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe("the runs list", () => {
  it("counts the failed runs and names the reason on each", () => {
    render(
      <>
        <AnalysisFailedSummary runs={[failed, built, failed]} />
        <AnalysisFailedNote run={failed} />
        <AnalysisFailedNote run={built} />
      </>,
    );
    expect(screen.getByTestId("analysis-failed-summary")).toHaveTextContent("for 2 runs");
    const notes = screen.getAllByTestId("analysis-failed-note");
    expect(notes).toHaveLength(1);
    expect(notes[0]).toHaveTextContent("analysis failed");
    expect(notes[0]).toHaveTextContent("quantity must be finite");
  });
});
