// Server-sent events read with fetch, so the request carries X-API-Key like every other:
// EventSource cannot send headers, and a key in the URL would land in logs and history.
// As EventSource does, a reconnect sends the id of the last event read (Last-Event-ID),
// and the server replays what came meanwhile.
import { reportUnauthorized, storedApiKey } from "./apiKey";

export interface ServerEvent {
  type: string;
  data: string;
  /** The event's `id:` field, when it had one. */
  id?: string;
}

export interface EventStreamHandlers {
  onOpen: () => void;
  onEvent: (event: ServerEvent) => void;
  onClose: () => void;
}

/** Waits before reconnecting after the n-th failure in a row. */
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 15_000];

/** The complete events at the start of `buffer` (text/event-stream) and the unfinished rest. */
export function parseEvents(buffer: string): { events: ServerEvent[]; rest: string } {
  // A lone "\r" at the end may be the first half of "\r\n": wait for the next chunk.
  const held = buffer.endsWith("\r") ? "\r" : "";
  const text = (held ? buffer.slice(0, -1) : buffer).replace(/\r\n?/g, "\n");
  const events: ServerEvent[] = [];
  let start = 0;
  for (let end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n", start)) {
    const event = parseBlock(text.slice(start, end));
    if (event) events.push(event);
    start = end + 2;
  }
  return { events, rest: text.slice(start) + held };
}

function parseBlock(block: string): ServerEvent | null {
  let type = "message";
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue; // a comment (heartbeat)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const raw = colon < 0 ? "" : line.slice(colon + 1);
    const value = raw.startsWith(" ") ? raw.slice(1) : raw;
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  if (data.length === 0) return null;
  return id === undefined ? { type, data: data.join("\n") } : { type, data: data.join("\n"), id };
}

/**
 * Reads `url` as an event stream until the returned function is called, reconnecting
 * after a failure. A 401 stops it (the app asks for the key; open it again after that).
 */
export function openEventStream(url: string, handlers: EventStreamHandlers): () => void {
  const abort = new AbortController();
  let lastEventId: string | undefined;
  const onEvent = (event: ServerEvent) => {
    if (event.id !== undefined) lastEventId = event.id;
    handlers.onEvent(event);
  };
  const run = async () => {
    for (let failures = 0; !abort.signal.aborted; ) {
      const key = storedApiKey();
      try {
        const response = await fetch(url, {
          headers: {
            Accept: "text/event-stream",
            ...(key ? { "X-API-Key": key } : {}),
            ...(lastEventId !== undefined ? { "Last-Event-ID": lastEventId } : {}),
          },
          cache: "no-store",
          signal: abort.signal,
        });
        if (response.status === 401) {
          handlers.onClose();
          reportUnauthorized();
          return;
        }
        if (response.ok && response.body) {
          failures = 0;
          handlers.onOpen();
          await readEvents(response.body, onEvent);
        }
      } catch {
        // The connection failed or broke off: reconnect below unless closed.
      }
      if (abort.signal.aborted) return;
      handlers.onClose();
      await delay(RETRY_MS[Math.min(failures, RETRY_MS.length - 1)] ?? 15_000, abort.signal);
      failures += 1;
    }
  };
  void run();
  return () => abort.abort();
}

async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (event: ServerEvent) => void) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const parsed = parseEvents(buffer + decoder.decode(value, { stream: true }));
    buffer = parsed.rest;
    for (const event of parsed.events) onEvent(event);
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = window.setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      window.clearTimeout(timer);
      resolve();
    });
  });
}
