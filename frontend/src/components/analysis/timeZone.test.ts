import { afterEach, describe, expect, it } from "vitest";
import { isTimeZone, nextDate, storedTimeZone, storeTimeZone, zonedDayStart } from "./timeZone";

describe("breakdown time zone", () => {
  afterEach(() => localStorage.clear());

  it("accepts UTC and IANA names, refuses the rest", () => {
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("America/New_York")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });

  it("remembers the choice and falls back to UTC", () => {
    expect(storedTimeZone()).toBe("UTC");
    storeTimeZone("Europe/Berlin");
    expect(storedTimeZone()).toBe("Europe/Berlin");
    localStorage.setItem("breakdown-tz", "nowhere");
    expect(storedTimeZone()).toBe("UTC");
  });
});

describe("a local day's bounds", () => {
  it("begins at local midnight, across a daylight-saving change", () => {
    expect(zonedDayStart("2024-03-10", "America/New_York")).toBe("2024-03-10T05:00:00Z");
    expect(zonedDayStart("2024-03-11", "America/New_York")).toBe("2024-03-11T04:00:00Z");
    expect(zonedDayStart("2024-11-03", "America/New_York")).toBe("2024-11-03T04:00:00Z");
    expect(zonedDayStart("2024-11-04", "America/New_York")).toBe("2024-11-04T05:00:00Z");
    expect(zonedDayStart("2024-07-01", "UTC")).toBe("2024-07-01T00:00:00Z");
    expect(zonedDayStart("2024-07-01", "Asia/Kolkata")).toBe("2024-06-30T18:30:00Z");
  });

  it("steps to the next date across month and year ends", () => {
    expect(nextDate("2024-02-29")).toBe("2024-03-01");
    expect(nextDate("2024-12-31")).toBe("2025-01-01");
  });
});
