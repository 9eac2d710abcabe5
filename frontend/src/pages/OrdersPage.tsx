import { useMemo } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { ORDER_STATUSES, ORDER_TYPES, ORDERS_PAGE_SIZE, useOrders, type OrderQuery } from "../api/analysis";
import { useInstruments, useRun } from "../api/queries";
import { Pager } from "../components/common/Pager";
import { Empty, ErrorState, Loading } from "../components/common/States";
import { symbolDecimals } from "../components/orders/decimals";
import { OrdersTable } from "../components/orders/OrdersTable";
import { RunBreadcrumbs } from "../components/runs/RunBreadcrumbs";
import { RunPicker } from "../components/runs/RunPicker";
import { fmtInt } from "../format";
import { changedParams } from "../urlParams";

/** The list's filters as URL search parameters (the page's offset aside). */
export const ORDER_FILTER_KEYS = ["status", "order_type", "order"] as const;

/** The orders query a URL's search parameters describe; `order` asks for one order. */
export function orderQueryFromParams(p: URLSearchParams): OrderQuery {
  const q: OrderQuery = { limit: ORDERS_PAGE_SIZE };
  for (const key of ["status", "order_type"] as const) {
    const v = p.get(key);
    if (v) q[key] = v;
  }
  const order = p.get("order");
  if (order) q.order_id = order;
  const offset = Number(p.get("offset") ?? 0);
  if (Number.isInteger(offset) && offset > 0) q.offset = offset;
  return q;
}

export default function OrdersPage() {
  const runId = useParams().runId ?? "";
  const [params, setParams] = useSearchParams();
  const query = orderQueryFromParams(params);
  const orders = useOrders(runId, query);
  const run = useRun(runId);
  const instruments = useInstruments();
  const instrumentDecimals = useMemo(
    () => new Map((instruments.data ?? []).map((i) => [i.symbol, i.price_decimals])),
    [instruments.data],
  );
  const decimals = useMemo(
    () => symbolDecimals(orders.data?.items ?? [], instrumentDecimals),
    [orders.data, instrumentDecimals],
  );

  const update = (changes: Record<string, string | null>, keepOffset = false) =>
    setParams(changedParams(params, changes, keepOffset), { replace: true });
  const anyFilter = ORDER_FILTER_KEYS.some((k) => params.get(k));
  const clear = () => update(Object.fromEntries(ORDER_FILTER_KEYS.map((k) => [k, null])));
  const offset = query.offset ?? 0;
  const seg = (key: string, options: readonly string[]) => (
    <div className="seg" role="group" aria-label={key}>
      {["", ...options].map((value) => (
        <button
          key={value || "all"}
          type="button"
          aria-pressed={(params.get(key) ?? "") === value}
          onClick={() => update({ [key]: value || null })}
        >
          {value ? value.replace("_", " ").toLowerCase() : "all"}
        </button>
      ))}
    </div>
  );

  return (
    <div className="page" data-testid="orders-page">
      <RunBreadcrumbs runId={runId} run={run.data} page="Orders" />
      <div className="page-head">
        <h1>Orders</h1>
        {orders.data && (
          <span className="sub num" data-testid="orders-count">
            {fmtInt(orders.data.total)} {orders.data.total === 1 ? "order" : "orders"}
          </span>
        )}
        <span style={{ flex: 1 }} />
        <Link to={`/runs/${encodeURIComponent(runId)}/trades`}>Trades →</Link>
        {run.data && <RunPicker strategyId={run.data.strategy_id} runId={runId} suffix="/orders" />}
      </div>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <span>Status</span>
          {seg("status", ORDER_STATUSES)}
        </div>
        <div className="field">
          <span>Type</span>
          {seg("order_type", ORDER_TYPES)}
        </div>
        {params.get("order") && (
          <span className="badge info" data-testid="order-focus">
            order <span className="mono">{params.get("order")}</span>
          </span>
        )}
        {anyFilter && (
          <button type="button" className="ghost" onClick={clear}>
            Clear
          </button>
        )}
      </form>
      {orders.isPending ? (
        <Loading rows={10} />
      ) : orders.isError ? (
        <ErrorState error={orders.error} retry={() => void orders.refetch()} />
      ) : orders.data.items.length === 0 ? (
        <Empty title={anyFilter ? "No order matches these filters" : "No orders in this run"}>
          {anyFilter ? (
            <button type="button" onClick={clear}>
              Clear filters
            </button>
          ) : (
            "The export had no Orders table, or the strategy sent none."
          )}
        </Empty>
      ) : (
        <div style={{ opacity: orders.isPlaceholderData ? 0.6 : 1 }}>
          {params.get("order") && !orders.data.items.some((o) => o.order_id === params.get("order")) && (
            <p className="faint" data-testid="order-not-on-page">
              Order <span className="mono">{params.get("order")}</span> is not on this page.
            </p>
          )}
          <OrdersTable orders={orders.data.items} decimals={decimals} focus={params.get("order")} />
          <Pager
            offset={offset}
            limit={ORDERS_PAGE_SIZE}
            total={orders.data.total}
            onOffset={(o) => update({ offset: o ? String(o) : null }, true)}
          />
        </div>
      )}
    </div>
  );
}
