// Small figures of the trade detail: an excursion in money, points and ticks; a fill's
// part in the trade.
import { fmtMoney, fmtPrice, fmtQty, fmtTicks } from "../../format";

/** "400.00", then "8.00 pts · 32 ticks" below it: money from the position, points and
 * ticks from the price. */
export function ExcursionFigure({
  money,
  points,
  decimals,
  tickSize,
  format = fmtMoney,
}: {
  money: number | null;
  points: number | null;
  decimals: number;
  tickSize: number | null;
  /** The money figure's text (in the chosen display unit); currency by default. */
  format?: (v: number | null) => string;
}) {
  return (
    <>
      {format(money)}
      {points != null && (
        <div className="faint" data-testid="excursion-points">
          {fmtPrice(points, decimals)} pts
          {tickSize != null && <> · {fmtTicks(points, tickSize)} ticks</>}
        </div>
      )}
    </>
  );
}

/** A fill's quantity in this trade: "10,000 of 20,000" when it crosses zero and is split. */
export function SplitFillQuantity({ part, whole }: { part: number; whole: number }) {
  if (part === whole) return <>{fmtQty(whole)}</>;
  return (
    <span title="The fill crosses zero: the rest belongs to the neighbouring trade">
      {fmtQty(part)} <span className="faint">of {fmtQty(whole)}</span>
    </span>
  );
}
