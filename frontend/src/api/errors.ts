// Error text as a user reads it: what went wrong in words, not a status code, and never
// a name the server gave a file internally.

// The server keeps an upload under a random name ("<32 hex>.upload"), maybe with its folder.
const INTERNAL_UPLOAD_NAME = /(?:[^\s'"():]*[\\/])?[0-9a-f]{16,}\.upload\b/gi;

/** `text` with every internal upload name replaced by the file's own name. */
export function withoutInternalNames(text: string, fileName?: string): string {
  return text.replace(INTERNAL_UPLOAD_NAME, fileName ?? "the file");
}

const STATUS_WORDS: Record<number, string> = {
  401: "The server needs an API key (X-API-Key) for this",
  403: "The server does not allow this",
  408: "The server gave up waiting for the request",
  413: "The file is larger than the server accepts",
  415: "The server cannot read this file",
  429: "Too many requests; try again shortly",
  503: "The server is busy; try again shortly",
};

/** A failed answer's message: its reason (`detail`) led by what the status means. */
export function readableError(status: number, detail: string, fileName?: string): string {
  const reason = withoutInternalNames(detail, fileName).trim();
  const words = STATUS_WORDS[status] ?? (status >= 500 ? "The server failed" : null);
  if (!words) return reason || "The request was refused";
  return reason && reason.toLowerCase() !== words.toLowerCase() ? `${words}: ${reason}` : words;
}
