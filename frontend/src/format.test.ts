import { describe, expect, it } from "vitest";
import {
  fmtBytes,
  fmtDuration,
  fmtEfficiency,
  fmtMoney,
  fmtPlain,
  fmtPrice,
  fmtQty,
  fmtTicks,
  fmtTime,
  pnlClass,
} from "./format";

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
  it("writes prices with their symbol's decimals, never trimmed", () => {
    // EURUSD, tick 0.00001: 5 decimals, trailing zeros kept.
    expect(fmtPrice(1.07156, 5)).toBe("1.07156");
    expect(fmtPrice(1.091, 5)).toBe("1.09100");
    expect(fmtPrice(1.0715633333, 5)).toBe("1.07156");
    // ES, tick 0.25: 2 decimals.
    expect(fmtPrice(5012, 2)).toBe("5,012.00");
    expect(fmtPrice(5012.25, 2)).toBe("5,012.25");
    expect(fmtPrice(null, 5)).toBe("—");
  });
  it("counts ticks and writes quantities and point values in full", () => {
    expect(fmtTicks(8, 0.25)).toBe("32");
    expect(fmtTicks(0.00015, 0.00001)).toBe("15");
    expect(fmtTicks(0.3, 0.25)).toBe("1.2");
    expect(fmtTicks(1, null)).toBe("—");
    expect(fmtQty(20000)).toBe("20,000");
    expect(fmtQty(0.00012345)).toBe("0.00012345");
    expect(fmtPlain(12.5)).toBe("12.5");
    expect(fmtPlain(125000)).toBe("125,000");
    expect(fmtEfficiency(0.4189453125)).toBe("41.9%");
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
    expect(fmtDuration(419.6)).toBe("7m 00s");
    expect(fmtDuration(3 * 3600 + 5 * 60)).toBe("3h 05m");
    expect(fmtDuration(26 * 3600)).toBe("1d 2h");
    expect(fmtBytes(2048)).toBe("2.0 KB");
  });
});
