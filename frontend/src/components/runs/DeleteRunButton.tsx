import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router-dom";
import { useDeleteRun } from "../../api/management";
import type { Run } from "../../api/types";
import { plural } from "../../text";
import { runDisplayName } from "./RunName";

/** Delete the run after a confirmation that says what goes with it. */
export function DeleteRunButton({ run }: { run: Run }) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <button type="button" className="small danger" onClick={() => setAsking(true)}>
        Delete run…
      </button>
      {asking && <ConfirmDelete run={run} onClose={() => setAsking(false)} />}
    </>
  );
}

function ConfirmDelete({ run, onClose }: { run: Run; onClose: () => void }) {
  const navigate = useNavigate();
  const remove = useDeleteRun(run.run_id, () =>
    navigate(`/runs?strategy=${encodeURIComponent(run.strategy_id)}`, { replace: true }),
  );
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  const what = [
    plural(run.counts.trades, "trade"),
    plural(run.counts.executions, "execution"),
    plural(run.counts.orders, "order"),
  ].join(", ");
  return (
    <div className="overlay" onClick={onClose}>
      <div
        className="dialog panel"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="delete-title"
        aria-describedby="delete-what"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="delete-title">
          <span className="keep-case">Delete run {runDisplayName(run)}?</span>
        </h2>
        <p id="delete-what">
          Its {what}, its statistics, notes and tags are deleted for good. Bars, instruments and the import history
          stay.
        </p>
        <p className="mono faint">{run.run_id}</p>
        {remove.isError && (
          <div className="inline-error" role="alert">
            {remove.error.message}
          </div>
        )}
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button ref={cancel} type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="danger-solid"
            disabled={remove.isPending}
            onClick={() => remove.mutate()}
          >
            {remove.isPending ? "Deleting…" : "Delete run"}
          </button>
        </div>
      </div>
    </div>
  );
}
