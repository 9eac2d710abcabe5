import { useNavigate } from "react-router-dom";
import { useRuns, useStrategies } from "../../api/queries";
import { fmtDate } from "../../format";
import { runDisplayName } from "./RunName";

/** Strategy and run selects; choosing navigates, so the choice lives in the URL. */
export function RunPicker({ strategyId, runId, suffix = "" }: { strategyId: string; runId: string; suffix?: string }) {
  const navigate = useNavigate();
  const strategies = useStrategies();
  const runs = useRuns(strategyId);
  return (
    <div className="row">
      <label className="field">
        Strategy
        <select
          value={strategyId}
          onChange={(e) => navigate(`/runs?strategy=${encodeURIComponent(e.target.value)}`)}
          disabled={!strategies.isSuccess}
          style={{ maxWidth: 240 }}
        >
          {!strategies.isSuccess && <option value={strategyId}>{strategyId}</option>}
          {strategies.data?.map((s) => (
            <option key={s.strategy_id} value={s.strategy_id}>
              {s.name && s.name !== s.strategy_id ? `${s.name} (${s.strategy_id})` : s.strategy_id}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        Run
        <select
          value={runId}
          onChange={(e) => navigate(`/runs/${encodeURIComponent(e.target.value)}${suffix}`)}
          disabled={!runs.isSuccess}
          style={{ maxWidth: 260 }}
        >
          {!runs.isSuccess && <option value={runId}>{runId}</option>}
          {runs.data?.items.map((r) => (
            <option key={r.run_id} value={r.run_id}>
              {runLabel(r)}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

export function runLabel(r: { run_id: string; name: string | null; mode: string | null; first_data_time: string | null }): string {
  const bits = [runDisplayName(r)];
  if (r.mode) bits.push(r.mode);
  if (r.first_data_time) bits.push(fmtDate(r.first_data_time));
  return bits.join(" · ");
}
