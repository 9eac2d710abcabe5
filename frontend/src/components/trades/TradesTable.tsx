import { Link, useNavigate } from "react-router-dom";
import type { Trade } from "../../api/types";
import { DASH, fmtDuration, fmtEfficiency, fmtPrice, fmtQty, fmtTime, pnlClass } from "../../format";
import { TagList } from "../common/Tags";
import { fmtUnit, type DisplayUnit, type UnitBasis } from "../analysis/units";

/** How money columns are shown: the unit and each trade's instrument basis. */
export interface MoneyDisplay {
  unit: DisplayUnit;
  basisOf: (t: Trade) => UnitBasis;
}

const CURRENCY: MoneyDisplay = { unit: "currency", basisOf: (t) => ({ pointValue: null, tickSize: null, decimals: t.price_decimals }) };

interface Column {
  key: keyof Trade;
  label: string;
  right?: boolean;
  /** Tabular figures (times and numbers). */
  num?: boolean;
  sortable?: boolean;
  render: (t: Trade, money: (v: number | null) => string) => React.ReactNode;
}

const COLUMNS: Column[] = [
  { key: "entry_time", label: "Entry (UTC)", num: true, sortable: true, render: (t) => fmtTime(t.entry_time) },
  { key: "symbol", label: "Symbol", sortable: true, render: (t) => t.symbol },
  { key: "account_id", label: "Account", sortable: true, render: (t) => t.account_id ?? "—" },
  {
    key: "side",
    label: "Side",
    sortable: true,
    render: (t) => <span className={t.side === "LONG" ? "up" : "down"}>{t.side}</span>,
  },
  {
    key: "status",
    label: "Status",
    sortable: true,
    render: (t) => (t.status === "OPEN" ? <span className="badge info">OPEN</span> : <span className="faint">closed</span>),
  },
  { key: "quantity", label: "Qty", right: true, sortable: true, render: (t) => fmtQty(t.quantity) },
  // Each symbol's prices with its own decimals (EURUSD 1.09100, ES 5,012.00).
  {
    key: "entry_price",
    label: "Entry",
    right: true,
    sortable: true,
    render: (t) => fmtPrice(t.entry_price, t.price_decimals),
  },
  {
    key: "exit_price",
    label: "Exit",
    right: true,
    sortable: true,
    render: (t) => fmtPrice(t.exit_price, t.price_decimals),
  },
  { key: "exit_time", label: "Exit (UTC)", num: true, sortable: true, render: (t) => exitTime(t) },
  { key: "duration_seconds", label: "Duration", right: true, sortable: true, render: (t) => fmtDuration(t.duration_seconds) },
  {
    key: "pnl_net",
    label: "Net PnL",
    right: true,
    sortable: true,
    render: (t, money) => <span className={pnlClass(t.pnl_net)}>{money(t.pnl_net)}</span>,
  },
  { key: "commission", label: "Comm.", right: true, sortable: true, render: (t, money) => money(t.commission) },
  { key: "mae", label: "MAE", right: true, sortable: true, render: (t, money) => money(t.mae) },
  { key: "mfe", label: "MFE", right: true, sortable: true, render: (t, money) => money(t.mfe) },
  { key: "etd", label: "ETD", right: true, sortable: true, render: (t, money) => money(t.etd) },
  {
    key: "total_efficiency",
    label: "Eff.",
    right: true,
    sortable: true,
    render: (t) => fmtEfficiency(t.total_efficiency),
  },
  { key: "entry_signal", label: "Entry signal", sortable: true, render: (t) => t.entry_signal ?? DASH },
  { key: "exit_signal", label: "Exit signal", sortable: true, render: (t) => t.exit_signal ?? DASH },
  { key: "tags", label: "Tags", render: (t) => <TagList tags={t.tags} /> },
];

// What a trade came to stays on screen at narrow widths: these lead, the rest follow in order.
const LEADING: readonly (keyof Trade)[] = ["entry_time", "symbol", "side", "quantity", "pnl_net", "mae", "mfe"];
const SHOWN: Column[] = [
  ...LEADING.flatMap((key) => COLUMNS.filter((c) => c.key === key)),
  ...COLUMNS.filter((c) => !LEADING.includes(c.key)),
];

/** `sort` is a field name, descending with a leading "-" (the API's convention). */
export function TradesTable({
  trades,
  sort,
  onSort,
  label = "Trades",
  maxHeight,
  linkSearch = "",
  display = CURRENCY,
}: {
  trades: Trade[];
  sort?: string;
  onSort?: (sort: string) => void;
  label?: string;
  /** The list's filters and sort, carried to each trade's page (its previous/next follow them). */
  linkSearch?: string;
  /** Scroll inside the table (its header stays in view) beyond this height. */
  maxHeight?: string;
  /** Money columns in currency (the default), points or ticks. */
  display?: MoneyDisplay;
}) {
  const navigate = useNavigate();
  const field = sort?.replace(/^-/, "");
  const desc = sort?.startsWith("-") ?? false;
  return (
    <div className="table-wrap" style={maxHeight ? { maxHeight } : undefined}>
      <table className="data" aria-label={label} data-testid="trades-table">
        <thead>
          <tr>
            {SHOWN.map((c) => {
              const active = field === c.key;
              return (
                <th
                  key={c.key}
                  className={c.right ? "r" : undefined}
                  aria-sort={active ? (desc ? "descending" : "ascending") : undefined}
                >
                  {onSort && c.sortable ? (
                    <button
                      type="button"
                      className="sort"
                      data-active={active}
                      onClick={() => onSort(active && !desc ? `-${c.key}` : c.key)}
                    >
                      {c.label}
                      <span aria-hidden="true">{active ? (desc ? "▼" : "▲") : ""}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {trades.map((t) => {
            const href = `/trades/${encodeURIComponent(t.trade_id)}${linkSearch}`;
            const basis = display.basisOf(t);
            const money = (v: number | null) => fmtUnit(v, display.unit, basis);
            return (
              <tr
                key={t.trade_id}
                className="clickable"
                data-testid="trade-row"
                onClick={(e) => {
                  if (!(e.target instanceof HTMLAnchorElement)) navigate(href);
                }}
              >
                {SHOWN.map((c, i) => (
                  <td key={c.key} className={`${c.right ? "r " : ""}${c.num || c.right ? "num" : ""}`}>
                    {i === 0 ? <Link to={href}>{c.render(t, money)}</Link> : c.render(t, money)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The exit's time of day when it is on the entry's date (the row stays narrow), else in full. */
function exitTime(t: Trade): string {
  const entry = fmtTime(t.entry_time);
  const exit = fmtTime(t.exit_time);
  return t.exit_time && exit.slice(0, 10) === entry.slice(0, 10) ? exit.slice(11) : exit;
}
