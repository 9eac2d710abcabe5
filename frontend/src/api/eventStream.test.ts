import { describe, expect, it, vi } from "vitest";
import { openEventStream, parseEvents, type ServerEvent } from "./eventStream";

describe("parseEvents", () => {
  it("reads named events and skips comments", () => {
    const { events, rest } = parseEvents(
      ': connected\n\nevent: job_progress\ndata: {"done":1}\n\n: heartbeat\n\nevent: analysis_updated\ndata: {"run',
    );
    expect(events).toEqual([{ type: "job_progress", data: '{"done":1}' }]);
    expect(rest).toBe('event: analysis_updated\ndata: {"run');
  });

  it("joins an event split across chunks", () => {
    const first = parseEvents('event: job_finished\ndata: {"job_id"');
    expect(first.events).toEqual([]);
    const second = parseEvents(first.rest + ':"j1"}\n\n');
    expect(second.events).toEqual([{ type: "job_finished", data: '{"job_id":"j1"}' }]);
    expect(second.rest).toBe("");
  });

  it("takes CRLF and CR line ends, even when a CRLF is split", () => {
    const first = parseEvents("data: a\r\ndata: b\r");
    expect(first.events).toEqual([]);
    const second = parseEvents(first.rest + "\n\r\n");
    expect(second.events).toEqual([{ type: "message", data: "a\nb" }]);
  });

  it("keeps the value after one optional space", () => {
    expect(parseEvents("data:x\ndata:  y\n\n").events).toEqual([{ type: "message", data: "x\n y" }]);
  });
});

describe("event ids", () => {
  it("are read with their event", () => {
    expect(parseEvents('id: 42\nevent: analysis_updated\ndata: {"run_id":"r"}\n\n').events).toEqual([
      { type: "analysis_updated", data: '{"run_id":"r"}', id: "42" },
    ]);
  });

  it("go back to the server as Last-Event-ID when the stream reconnects", async () => {
    const sent: (string | null)[] = [];
    const original = globalThis.fetch;
    globalThis.fetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      sent.push(new Headers(init?.headers).get("Last-Event-ID"));
      const body = sent.length === 1 ? 'id: 7\nevent: connected\ndata: {"last_event_id":7}\n\n' : "";
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          if (body) controller.enqueue(new TextEncoder().encode(body));
          controller.close();
        },
      });
      return { ok: true, status: 200, body: stream } as unknown as Response;
    }) as typeof fetch;
    const seen: ServerEvent[] = [];
    const close = openEventStream("/api/events", { onOpen: () => {}, onClose: () => {}, onEvent: (e) => seen.push(e) });
    try {
      await vi.waitFor(() => expect(sent.length).toBeGreaterThanOrEqual(2), { timeout: 5000 });
    } finally {
      close();
      globalThis.fetch = original;
    }
    expect(sent.slice(0, 2)).toEqual([null, "7"]);
    expect(seen[0]).toEqual({ type: "connected", data: '{"last_event_id":7}', id: "7" });
  });
});
