import { Link } from "react-router-dom";

/** Where the instruments editor opens on a symbol's row. */
export function instrumentEditorHref(symbol: string): string {
  return `/data?instrument=${encodeURIComponent(symbol)}#instruments`;
}

/**
 * A symbol without a point value: its PnL, excursions and statistics were computed with
 * point value 1. Says so, with a link to set it (saving rebuilds the symbol's trades).
 */
export function PointValueWarning({ symbols }: { symbols: readonly string[] }) {
  if (symbols.length === 0) return null;
  return (
    <div className="notice warn" role="alert" data-testid="point-value-warning">
      <strong>No point value for {symbols.length === 1 ? symbols[0] : `${symbols.length} symbols`}:</strong>{" "}
      its PnL, MAE/MFE and statistics are in points × quantity (point value 1), not in money. Set it:{" "}
      {symbols.map((symbol, i) => (
        <span key={symbol}>
          {i > 0 && ", "}
          <Link to={instrumentEditorHref(symbol)}>{symbol}</Link>
        </span>
      ))}
      .
    </div>
  );
}
