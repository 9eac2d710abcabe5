import { Link } from "react-router-dom";
import { useToasts } from "../../api/events";
import { plural } from "../../text";
import { RunLabel } from "../runs/RunName";

export function Toasts() {
  const { toasts, dismissToast } = useToasts();
  return (
    <div className="toasts" role="region" aria-label="Notifications" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className="toast" data-testid="toast" role="status">
          <div className="body">
            <div>
              Analysis updated for strategy <strong>{t.strategyId}</strong>
            </div>
            <div className="dim" style={{ fontSize: 12 }}>
              run <RunLabel runId={t.runId} />
              {t.trades != null && <> · {plural(t.trades, "trade")}</>}
            </div>
            <Link to={`/runs/${encodeURIComponent(t.runId)}`} onClick={() => dismissToast(t.id)}>
              Open dashboard →
            </Link>
          </div>
          <button type="button" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
