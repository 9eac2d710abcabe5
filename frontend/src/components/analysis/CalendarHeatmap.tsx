import { fmtInt, fmtMoney } from "../../format";
import { calendarMonths, heatLevel, type DayValue } from "./calendar";

const WEEKDAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

function colour(net: number, scale: number): string {
  const a = 0.15 + 0.85 * heatLevel(net, scale);
  if (net > 0) return `rgba(38, 166, 154, ${a})`;
  if (net < 0) return `rgba(239, 83, 80, ${a})`;
  return "var(--border-strong)";
}

/** Daily net PnL, month by month; a day with trades opens them. */
export function CalendarHeatmap({ days, onDay }: { days: readonly DayValue[]; onDay: (date: string) => void }) {
  const months = calendarMonths(days);
  const scale = Math.max(0, ...days.map((d) => Math.abs(d.net)));
  return (
    <div className="calendar" data-testid="calendar">
      {months.map((m) => (
        <div key={m.month} className="calendar-month" data-month={m.month}>
          <h3>{m.month}</h3>
          <table aria-label={`Daily net PnL, ${m.month}`}>
            <thead>
              <tr>
                {WEEKDAYS.map((d) => (
                  <th key={d} scope="col">
                    {d}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {m.weeks.map((week, i) => (
                <tr key={i}>
                  {week.map((cell, j) =>
                    cell == null ? (
                      <td key={j} />
                    ) : cell.value == null ? (
                      <td key={j} className="empty-day">
                        {cell.day}
                      </td>
                    ) : (
                      <td key={j} style={{ background: colour(cell.value.net, scale) }} data-day={cell.date}>
                        <button
                          type="button"
                          title={`${cell.date}: ${fmtMoney(cell.value.net)} over ${fmtInt(cell.value.trades)} trade${cell.value.trades === 1 ? "" : "s"}`}
                          aria-label={`${cell.date}: net ${fmtMoney(cell.value.net)}, ${fmtInt(cell.value.trades)} trades`}
                          onClick={() => onDay(cell.date)}
                        >
                          {cell.day}
                        </button>
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </div>
  );
}
