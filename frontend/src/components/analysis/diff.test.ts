import { describe, expect, it } from "vitest";
import { delta, diffRow } from "./diff";

describe("comparison highlighting", () => {
  it("marks values that differ from the first run and the best one", () => {
    const row = diffRow([100, 250, 100], "higher");
    expect(row.map((c) => c.differs)).toEqual([false, true, false]);
    expect(row.map((c) => c.best)).toEqual([false, true, false]);
  });

  it("takes the lowest as best when lower is better, and a drawdown's less negative is higher", () => {
    expect(diffRow([3, 1, 2], "lower").map((c) => c.best)).toEqual([false, true, false]);
    expect(diffRow([-500, -200], "higher").map((c) => c.best)).toEqual([false, true]);
  });

  it("highlights nothing when every run agrees", () => {
    expect(diffRow([7, 7, 7], "higher").every((c) => !c.differs && !c.best)).toBe(true);
  });

  it("treats a missing value as different, never as best", () => {
    const row = diffRow([null, 2], "higher");
    expect(row.map((c) => c.differs)).toEqual([false, true]);
    expect(row.map((c) => c.best)).toEqual([false, true]);
    expect(diffRow([1, undefined], "none").map((c) => c.differs)).toEqual([false, true]);
  });

  it("computes the difference to the reference run", () => {
    expect(delta(250, 100)).toBe(150);
    expect(delta(null, 100)).toBeNull();
  });
});
