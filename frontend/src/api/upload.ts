// Uploads go through XMLHttpRequest: fetch cannot report upload progress.
import { ApiError, errorDetail, storedApiKey } from "./client";
import { readableError } from "./errors";

export interface UploadOptions {
  dryRun: boolean;
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

export const ACCEPTED_EXTENSIONS = [".sqlite", ".sqlite3", ".db", ".json.gz", ".gz"];

/** Null when the name looks like an export or a batch, else why it is not taken. */
export function unsupportedFileReason(name: string): string | null {
  const lower = name.toLowerCase();
  if (ACCEPTED_EXTENSIONS.some((ext) => lower.endsWith(ext))) return null;
  return `${name}: not an export file (expected .sqlite, .db or .json.gz)`;
}

/** POST /api/ingest/upload; resolves with the JSON answer, rejects with an ApiError. */
export function uploadFile<T>(file: File, { dryRun, onProgress, signal }: UploadOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/ingest/upload${dryRun ? "?dry_run=true" : ""}`);
    xhr.responseType = "json";
    const key = storedApiKey();
    if (key) xhr.setRequestHeader("X-API-Key", key);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded, e.total);
    };
    xhr.onload = () => {
      const body: unknown = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(file.size, file.size);
        resolve(body as T);
      } else {
        reject(new ApiError(xhr.status, readableError(xhr.status, errorDetail(body, xhr.statusText), file.name)));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, "The server could not be reached (network error)"));
    xhr.onabort = () => reject(new DOMException("upload cancelled", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}
