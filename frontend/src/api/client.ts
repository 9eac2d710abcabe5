// The typed API client (openapi-fetch over the generated schema.d.ts).
import createClient, { type Middleware } from "openapi-fetch";
import { reportUnauthorized, storedApiKey } from "./apiKey";
import { readableError } from "./errors";
import type { paths } from "./schema";

/** An answer with a non-2xx status; `message` is the server's `detail`. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

export { storeApiKey, storedApiKey } from "./apiKey";

const apiKeyMiddleware: Middleware = {
  onRequest({ request }) {
    // Every request: the server may guard reads too (PROTECT_READS).
    const key = storedApiKey();
    if (key) request.headers.set("X-API-Key", key);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) reportUnauthorized();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: typeof window === "undefined" ? "http://localhost" : window.location.origin });
api.use(apiKeyMiddleware);

/** The detail of an error body, else the status text. */
export function errorDetail(body: unknown, fallback: string): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((d) => (d && typeof d === "object" && "msg" in d ? String((d as { msg: unknown }).msg) : JSON.stringify(d)))
        .join("; ");
    }
    return JSON.stringify(detail);
  }
  return fallback;
}

/** The data of a successful answer; throws an ApiError naming the status and the reason. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) {
    throw new ApiError(response.status, readableError(response.status, errorDetail(error, response.statusText)));
  }
  return data;
}
