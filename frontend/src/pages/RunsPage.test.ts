import { describe, expect, it } from "vitest";
import { comparePath, parameterDiffers } from "./RunsPage";

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

describe("comparePath", () => {
  it("lists the runs in the order picked", () => {
    expect(comparePath(["b", "a/1"])).toBe("/compare?run_id=b&run_id=a%2F1");
  });
});
