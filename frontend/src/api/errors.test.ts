import { describe, expect, it } from "vitest";
import { readableError, withoutInternalNames } from "./errors";

describe("readableError", () => {
  it("says what a status means instead of its number, and hides internal file names", () => {
    const message = readableError(
      415,
      "not an export file: /srv/app/uploads/1f2e3d4c5b6a79881f2e3d4c5b6a7988.upload is not a SQLite database",
      "week-12.sqlite",
    );
    expect(message).toBe("The server cannot read this file: not an export file: week-12.sqlite is not a SQLite database");
    expect(message).not.toMatch(/415|\.upload/);
  });

  it("keeps a 4xx reason as it is and leads a 5xx with what happened", () => {
    expect(readableError(422, "query.limit: too big")).toBe("query.limit: too big");
    expect(readableError(500, "")).toBe("The server failed");
    expect(readableError(401, "missing or wrong X-API-Key header")).toMatch(/^The server needs an API key/);
  });

  it("names the file when there is one, else says the file", () => {
    expect(withoutInternalNames("ab12cd34ef56ab78cd90.upload is empty")).toBe("the file is empty");
  });
});
