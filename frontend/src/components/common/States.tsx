import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import { ApiError } from "../../api/client";

export function Loading({ label = "Loading…", rows = 3 }: { label?: string; rows?: number }) {
  return (
    <div role="status" aria-live="polite" aria-busy="true" className="stack" style={{ padding: "10px 0" }}>
      <span className="visually-hidden">{label}</span>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton" style={{ width: `${90 - i * 12}%` }} />
      ))}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state" data-state="empty">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

/** A failed load. Something not found offers the way `back` (default: the runs) instead of
 * a retry that cannot help. */
export function ErrorState({
  error,
  retry,
  back = { to: "/runs", label: "Back to runs" },
}: {
  error: unknown;
  retry?: () => void;
  back?: { to: string; label: string };
}) {
  const notFound = error instanceof ApiError && error.status === 404;
  return (
    <div className="state error" role="alert" data-state={notFound ? "not-found" : "error"}>
      <strong>{notFound ? "Not found" : "Something went wrong"}</strong>
      <div>{errorMessage(error)}</div>
      {notFound ? (
        <Link to={back.to} className="btn" style={{ marginTop: 10 }}>
          {back.label}
        </Link>
      ) : (
        retry && (
          <button type="button" onClick={retry} style={{ marginTop: 10 }}>
            Retry
          </button>
        )
      )}
    </div>
  );
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  if (error && typeof error === "object" && "detail" in error) {
    const detail = (error as { detail: unknown }).detail;
    return typeof detail === "string" ? detail : JSON.stringify(detail);
  }
  return "Unknown error";
}
