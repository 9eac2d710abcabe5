// The breakdowns' time zone: UTC or an IANA name, remembered across visits.

const KEY = "breakdown-tz";

/** A name the browser knows as a time zone (what the server's zoneinfo also reads). */
export function isTimeZone(name: string): boolean {
  if (name === "UTC") return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(name);
  } catch {
    return false;
  }
}

export function storedTimeZone(): string {
  try {
    const v = localStorage.getItem(KEY);
    return v && isTimeZone(v) ? v : "UTC";
  } catch {
    return "UTC";
  }
}

export function storeTimeZone(tz: string): void {
  try {
    localStorage.setItem(KEY, tz);
  } catch {
    // Storage refused: the choice lasts for the page only.
  }
}

/** The zones to offer: the browser's list when it has one, with UTC first. */
export function timeZoneNames(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const names = intl.supportedValuesOf?.("timeZone") ?? ["America/New_York", "America/Chicago", "Europe/London"];
  return ["UTC", ...names.filter((n) => n !== "UTC")];
}
