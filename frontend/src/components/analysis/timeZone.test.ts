import { afterEach, describe, expect, it } from "vitest";
import { isTimeZone, storedTimeZone, storeTimeZone } from "./timeZone";

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
