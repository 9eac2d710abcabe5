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

/** Milliseconds the zone's wall clock is ahead of UTC at the instant `ms`. */
function zoneOffsetMs(ms: number, tz: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The UTC instant (ISO, "Z") at which the local date `YYYY-MM-DD` begins in `tz`. */
export function zonedDayStart(date: string, tz: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  // Twice: the offset at the first guess may be the other side of a daylight-saving change.
  let ms = wall - zoneOffsetMs(wall, tz);
  ms = wall - zoneOffsetMs(ms, tz);
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** The day after `YYYY-MM-DD`. */
export function nextDate(date: string): string {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString().slice(0, 10);
}
