import { describe, expect, it } from "vitest";
import { calendarMonths, heatLevel } from "./calendar";

describe("calendar layout", () => {
  it("lays a month out in Monday-first weeks", () => {
    // 2024-01-01 is a Monday; January has 31 days -> 5 weeks.
    const [jan] = calendarMonths([{ key: "2024-01-02", net: 10, trades: 1 }]);
    expect(jan!.month).toBe("2024-01");
    expect(jan!.weeks).toHaveLength(5);
    expect(jan!.weeks[0]![0]!.date).toBe("2024-01-01");
    expect(jan!.weeks[0]![1]!.value).toEqual({ key: "2024-01-02", net: 10, trades: 1 });
    expect(jan!.weeks[4]![2]!.date).toBe("2024-01-31");
    expect(jan!.weeks[4]![3]).toBeNull();
  });

  it("pads before the first day and includes empty months", () => {
    // 2024-02-01 is a Thursday (3 cells before it); March has no trade but is shown.
    const months = calendarMonths([
      { key: "2024-02-01", net: -5, trades: 2 },
      { key: "2024-04-30", net: 3, trades: 1 },
    ]);
    expect(months.map((m) => m.month)).toEqual(["2024-02", "2024-03", "2024-04"]);
    expect(months[0]!.weeks[0]!.slice(0, 3)).toEqual([null, null, null]);
    expect(months[0]!.weeks[0]![3]!.day).toBe(1);
    expect(months[1]!.weeks.flat().every((c) => c == null || c.value == null)).toBe(true);
  });

  it("crosses a year end", () => {
    const months = calendarMonths([
      { key: "2024-12-31", net: 1, trades: 1 },
      { key: "2025-01-01", net: 1, trades: 1 },
    ]);
    expect(months.map((m) => m.month)).toEqual(["2024-12", "2025-01"]);
  });

  it("scales colour by the largest day", () => {
    expect(heatLevel(-50, 100)).toBe(0.5);
    expect(heatLevel(300, 100)).toBe(1);
    expect(heatLevel(5, 0)).toBe(0);
  });
});
