import { describe, expect, it } from "vitest";
import { filtersFromParams, filtersToParams } from "./ImportHistoryFilters";

describe("import history filters in the URL", () => {
  it("round-trip source, run and status", () => {
    const filters = { source: "stream" as const, run_id: "6f1c", status: "live" as const };
    const params = new URLSearchParams(filtersToParams(filters));
    expect(params.toString()).toBe("source=stream&status=live&run=6f1c");
    expect(filtersFromParams(params)).toEqual(filters);
  });

  it("ignore values the server does not know", () => {
    const filters = filtersFromParams(new URLSearchParams("source=ftp&status=done&run="));
    expect(filters).toEqual({ source: undefined, status: undefined, run_id: undefined });
    expect(filtersToParams(filters)).toEqual({});
  });
});
