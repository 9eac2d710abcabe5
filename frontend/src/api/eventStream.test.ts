import { describe, expect, it } from "vitest";
import { parseEvents } from "./eventStream";

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
