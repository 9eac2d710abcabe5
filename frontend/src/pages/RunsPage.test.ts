import { describe, expect, it } from "vitest";
import { parameterDiffers } from "./RunsPage";

describe("parameterDiffers", () => {
  const run = (parameters: Record<string, unknown> | null) => ({ parameters });

  it("compares only the runs that have the parameter", () => {
    const runs = [run({ ratio: 3, stop: 8 }), run({ ratio: 3 }), run(null)];
    expect(parameterDiffers(runs, "ratio")).toBe(false);
    expect(parameterDiffers(runs, "stop")).toBe(false);
  });

  it("flags a parameter whose values differ", () => {
    expect(parameterDiffers([run({ ratio: 3 }), run({ ratio: 4 }), run({})], "ratio")).toBe(true);
    expect(parameterDiffers([run({ symbols: ["ES"] }), run({ symbols: ["ES", "NQ"] })], "symbols")).toBe(true);
  });
});
