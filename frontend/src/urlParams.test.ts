import { describe, expect, it } from "vitest";
import { changedParams } from "./urlParams";

describe("changedParams", () => {
  it("sets, removes and drops the offset, leaving the input alone", () => {
    const params = new URLSearchParams("status=OPEN&symbol=ES&offset=200");
    const next = changedParams(params, { symbol: "NQ", status: null, side: "LONG" });
    expect(next.toString()).toBe("symbol=NQ&side=LONG");
    expect(params.toString()).toBe("status=OPEN&symbol=ES&offset=200");
  });

  it("keeps the offset when asked and treats an empty value as removal", () => {
    const next = changedParams(new URLSearchParams("symbol=ES&offset=200"), { symbol: "" }, true);
    expect(next.toString()).toBe("offset=200");
  });
});
