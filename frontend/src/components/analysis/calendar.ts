// The calendar heatmap's layout: months of weeks (Monday first) holding each day's net PnL.

export interface DayValue {
  /** YYYY-MM-DD */
  key: string;
  net: number;
  trades: number;
}

export interface CalendarCell {
  date: string;
  day: number;
  value: DayValue | null;
}

export interface CalendarMonth {
  /** YYYY-MM */
  month: string;
  /** Weeks of seven cells, Monday first; null pads the days outside the month. */
  weeks: (CalendarCell | null)[][];
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** Every month from the first day's to the last day's, empty months included. */
export function calendarMonths(days: readonly DayValue[]): CalendarMonth[] {
  if (days.length === 0) return [];
  const byDate = new Map(days.map((d) => [d.key, d]));
  const sorted = [...byDate.keys()].sort();
  const [fy, fm] = sorted[0]!.split("-").map(Number) as [number, number];
  const [ly, lm] = sorted[sorted.length - 1]!.split("-").map(Number) as [number, number];
  const months: CalendarMonth[] = [];
  for (let y = fy, m = fm; y < ly || (y === ly && m <= lm); m === 12 ? ((y += 1), (m = 1)) : (m += 1)) {
    const length = new Date(Date.UTC(y, m, 0)).getUTCDate();
    // getUTCDay: 0 = Sunday; Monday-first column index.
    const lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7;
    const cells: (CalendarCell | null)[] = Array.from({ length: lead }, () => null);
    for (let d = 1; d <= length; d += 1) {
      const date = `${y}-${pad(m)}-${pad(d)}`;
      cells.push({ date, day: d, value: byDate.get(date) ?? null });
    }
    while (cells.length % 7) cells.push(null);
    const weeks: (CalendarCell | null)[][] = [];
    for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
    months.push({ month: `${y}-${pad(m)}`, weeks });
  }
  return months;
}

/** A cell's colour strength, 0..1: |net| over the largest |net| of the shown days. */
export function heatLevel(net: number, scale: number): number {
  if (scale <= 0) return 0;
  return Math.min(1, Math.abs(net) / scale);
}
