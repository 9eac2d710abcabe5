// A run's orders, execution quality and data-quality findings (api.md "Analysis",
// analytics.md "Orders and execution quality" and "Data quality"). The answers' shapes are
// declared here until the generated schema carries them; the reads go through the same
// client (API key, 401 handling, readable errors) as every other call.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ApiError, api, unwrap } from "./client";
import type { components } from "./schema";

export const ORDERS_PAGE_SIZE = 100;

/** Statuses of the order lifecycle (export-format.md 4.), in lifecycle order. */
export const ORDER_STATUSES = ["NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED", "EXPIRED"] as const;
export const ORDER_TYPES = ["MARKET", "LIMIT", "STOP", "STOP_LIMIT", "MIT"] as const;
/** An order in one of these will not fill any more (analytics.md "order_left_working"). */
export const TERMINAL_STATUSES: readonly string[] = ["FILLED", "CANCELED", "REJECTED", "EXPIRED"];

export type Order = components["schemas"]["OrderOut"];
export type OrderPage = components["schemas"]["OrderPage"];
/** An order of a trade that never filled (a cancelled target or stop level). */
export type TradeOrder = components["schemas"]["TradeOrderOut"];

export interface OrderQuery {
  status?: string;
  order_type?: string;
  symbol?: string;
  order_id?: string;
  limit?: number;
  offset?: number;
}

export interface QuantityRow {
  count: number;
  ordered_quantity: number;
  filled_quantity: number;
  fill_ratio: number | null;
}

export interface SlippageRow {
  executions: number;
  slippage_points_total: number;
  slippage_points_mean: number | null;
  slippage_total: number;
  slippage_mean: number | null;
}

export interface LiquidityRow {
  executions: number;
  quantity: number;
  fees: number;
}

export interface ExecutionQuality {
  by_status: Keyed<QuantityRow>[];
  by_order_type: Keyed<QuantityRow>[];
  slippage: Keyed<SlippageRow>[];
  time_to_fill: { median_seconds: number | null; p95_seconds: number | null; orders?: number };
  liquidity: Keyed<LiquidityRow>[];
  /** The decimals of the symbol asked for, or of the run's symbols when they agree. */
  price_decimals?: number;
}

export type Severity = "error" | "warning" | "info";

export interface Finding {
  check: string;
  severity: Severity;
  count: number;
  /** The records' keys: plain strings, or objects naming the key (execution_id, order_id, ...). */
  examples: (string | Record<string, unknown>)[];
}

export interface Quality {
  findings: Finding[];
  verdict?: Verdict;
}

/** A row keyed by what it groups on, whichever name the answer gives the key. */
export type Keyed<T> = T & { key: string };

export function useOrders(runId: string, query: OrderQuery, enabled = true) {
  return useQuery({
    queryKey: ["run", runId, "orders", query],
    queryFn: () =>
      unwrap(api.GET("/api/runs/{run_id}/orders", { params: { path: { run_id: runId }, query } })),
    placeholderData: keepPreviousData,
    enabled: enabled && runId !== "",
  });
}

/** Whether the server this app was built with offers `path` (its OpenAPI document lists it). */
export function serverOffers(path: string): boolean {
  return __API_PATHS__.includes(path);
}

/** A 404 from an analysis read of a run that exists: the server does not offer it yet. */
export function notOffered(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

export function useExecutionQuality(runId: string, symbol?: string) {
  return useQuery({
    queryKey: ["run", runId, "execution-quality", symbol ?? null],
    queryFn: async () =>
      normalizeExecutionQuality(
        await unwrap(
          api.GET("/api/runs/{run_id}/execution-quality", { params: { path: { run_id: runId }, query: { symbol } } }),
        ),
      ),
    placeholderData: keepPreviousData,
    enabled: serverOffers("/api/runs/{run_id}/execution-quality"),
    retry: (failures: number, error: unknown) => !notOffered(error) && failures < 3,
  });
}

export function useQuality(runId: string, enabled = true) {
  return useQuery({
    queryKey: ["run", runId, "quality"],
    queryFn: (): Promise<Quality> =>
      unwrap(api.GET("/api/runs/{run_id}/quality", { params: { path: { run_id: runId } } })),
    enabled: enabled && runId !== "" && serverOffers("/api/runs/{run_id}/quality"),
    retry: (failures: number, error: unknown) => !notOffered(error) && failures < 3,
    staleTime: 30_000,
  });
}

const ROW_KEYS = ["key", "status", "order_type", "liquidity_flag", "flag"];

/**
 * The groups of an answer as rows with a `key`: a list of rows naming their group
 * (`status`, `order_type`, `liquidity_flag`) or an object keyed by the group.
 */
export function keyedRows<T>(value: unknown): Keyed<T>[] {
  if (Array.isArray(value)) {
    return value.map((row: Record<string, unknown>) => {
      const name = ROW_KEYS.map((k) => row[k]).find((v) => v != null && v !== "");
      return { ...(row as T), key: name == null ? "UNKNOWN" : String(name) };
    });
  }
  if (value && typeof value === "object") {
    return Object.entries(value as Record<string, T>).map(([key, row]) => ({ ...row, key }));
  }
  return [];
}

export function normalizeExecutionQuality(answer: object): ExecutionQuality {
  const raw = answer as Record<string, unknown>;
  const ttf = (raw.time_to_fill ?? {}) as ExecutionQuality["time_to_fill"];
  return {
    by_status: keyedRows<QuantityRow>(raw.by_status),
    by_order_type: keyedRows<QuantityRow>(raw.by_order_type),
    slippage: keyedRows<SlippageRow>(raw.slippage),
    time_to_fill: { median_seconds: ttf.median_seconds ?? null, p95_seconds: ttf.p95_seconds ?? null, orders: ttf.orders },
    liquidity: keyedRows<LiquidityRow>(raw.liquidity),
    price_decimals: typeof raw.price_decimals === "number" ? raw.price_decimals : undefined,
  };
}

export type Verdict = "clean" | "warnings" | "errors";

/**
 * The run's verdict from its findings: any error makes it `errors`, else any warning
 * `warnings`. Info findings (an open trade at the end, a symbol without bars) describe the
 * data without casting doubt on it: alone they leave the run clean.
 */
export function qualityVerdict(findings: readonly Pick<Finding, "severity">[]): Verdict {
  if (findings.some((f) => f.severity === "error")) return "errors";
  if (findings.some((f) => f.severity === "warning")) return "warnings";
  return "clean";
}

const SEVERITY_RANK: Record<string, number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then warnings, then info; the most records first within each. */
export function sortFindings<T extends Pick<Finding, "severity" | "count" | "check">>(findings: readonly T[]): T[] {
  return [...findings].sort(
    (a, b) =>
      (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3) || b.count - a.count || a.check.localeCompare(b.check),
  );
}

/** The fill ratio as a percentage; computed from the quantities when the answer leaves it out. */
export function fillRatioPct(row: Pick<QuantityRow, "fill_ratio" | "ordered_quantity" | "filled_quantity">): number | null {
  if (row.fill_ratio != null) return row.fill_ratio * 100;
  return row.ordered_quantity > 0 ? (row.filled_quantity / row.ordered_quantity) * 100 : null;
}

/** The price an order asked for (analytics.md): LIMIT/STOP_LIMIT its price, STOP/MIT its stop price (else price). */
export function referencePrice(order: Pick<Order, "order_type" | "price" | "stop_price">): number | null {
  switch (order.order_type) {
    case "LIMIT":
    case "STOP_LIMIT":
      return order.price;
    case "STOP":
    case "MIT":
      return order.stop_price ?? order.price;
    default:
      return null;
  }
}
