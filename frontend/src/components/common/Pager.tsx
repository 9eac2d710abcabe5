import { fmtInt } from "../../format";
import { plural } from "../../text";

export function Pager({
  offset,
  limit,
  total,
  onOffset,
}: {
  offset: number;
  limit: number;
  total: number;
  onOffset: (offset: number) => void;
}) {
  if (total <= limit && offset === 0) return null;
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  return (
    <nav className="pager" aria-label="Pages">
      <span className="num">
        {offset >= total
          ? `past the end of ${fmtInt(total)}`
          : `${fmtInt(offset + 1)}–${fmtInt(Math.min(total, offset + limit))} of ${fmtInt(total)}`}
      </span>
      <button type="button" className="small" disabled={offset === 0} onClick={() => onOffset(0)} aria-label="First page">
        «
      </button>
      <button
        type="button"
        className="small"
        disabled={offset === 0}
        onClick={() => onOffset(offset >= total ? (pages - 1) * limit : Math.max(0, offset - limit))}
        aria-label="Previous page"
      >
        ‹ Prev
      </button>
      <span className="num">
        {offset >= total ? plural(pages, "page") : `page ${fmtInt(page)} / ${fmtInt(pages)}`}
      </span>
      <button
        type="button"
        className="small"
        disabled={offset + limit >= total}
        onClick={() => onOffset(offset + limit)}
        aria-label="Next page"
      >
        Next ›
      </button>
      <button
        type="button"
        className="small"
        disabled={offset + limit >= total}
        onClick={() => onOffset((pages - 1) * limit)}
        aria-label="Last page"
      >
        »
      </button>
    </nav>
  );
}
