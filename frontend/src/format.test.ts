import { describe, expect, it } from "vitest";
import { fmtBytes, fmtDuration, fmtMoney, fmtTime, pnlClass } from "./format";

describe("format", () => {
  it("shows times in UTC with milliseconds only when present", () => {
    expect(fmtTime("2025-01-06T14:30:00Z")).toBe("2025-01-06 14:30:00");
    expect(fmtTime("2025-01-06T14:30:00.250000Z")).toBe("2025-01-06 14:30:00.250");
    expect(fmtTime(null)).toBe("—");
  });
  it("keeps null apart from zero", () => {
    expect(fmtMoney(null)).toBe("—");
    expect(fmtMoney(0)).toBe("0.00");
    expect(fmtMoney(-1234.5)).toBe("-1,234.50");
  });
  it("colours by sign", () => {
    expect(pnlClass(3)).toBe("up");
    expect(pnlClass(-3)).toBe("down");
    expect(pnlClass(0)).toBe("");
  });
  it("writes durations and sizes compactly", () => {
    expect(fmtDuration(12.5)).toBe("13s");
    expect(fmtDuration(4.5)).toBe("4.5s");
    expect(fmtDuration(0.042)).toBe("42ms");
    expect(fmtDuration(250)).toBe("4m 10s");
    expect(fmtDuration(3 * 3600 + 5 * 60)).toBe("3h 05m");
    expect(fmtDuration(26 * 3600)).toBe("1d 2h");
    expect(fmtBytes(2048)).toBe("2.0 KB");
  });
});
