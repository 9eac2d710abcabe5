import type { ImportFilters } from "../../api/queries";
import { useRuns } from "../../api/queries";

const SOURCES: NonNullable<ImportFilters["source"]>[] = ["upload", "cli", "watch", "stream"];
const STATUSES: NonNullable<ImportFilters["status"]>[] = [
  "succeeded",
  "failed",
  "refused",
  "duplicate",
  "running",
  "live",
  "closed",
];

/** Narrows the import history by source, run and status. */
export function ImportHistoryFilters({
  filters,
  onChange,
}: {
  filters: ImportFilters;
  onChange: (filters: ImportFilters) => void;
}) {
  const runs = useRuns(null);
  const set = (patch: Partial<ImportFilters>) => onChange({ ...filters, ...patch });
  return (
    <div className="filters" role="group" aria-label="Filter the import history" style={{ display: "flex", gap: 12, marginBottom: 8 }}>
      <Choice label="Source" value={filters.source} options={SOURCES} onChange={(source) => set({ source })} />
      <label>
        Run{" "}
        <select value={filters.run_id ?? ""} onChange={(e) => set({ run_id: e.target.value || undefined })}>
          <option value="">all</option>
          {filters.run_id && !runs.data?.items.some((r) => r.run_id === filters.run_id) && (
            <option value={filters.run_id}>{filters.run_id}</option>
          )}
          {(runs.data?.items ?? []).map((r) => (
            <option key={r.run_id} value={r.run_id}>
              {r.strategy_id} · {r.run_id}
            </option>
          ))}
        </select>
      </label>
      <Choice label="Status" value={filters.status} options={STATUSES} onChange={(status) => set({ status })} />
    </div>
  );
}

/** A select of a few fixed values, "all" being none of them. */
function Choice<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: T | undefined;
  options: T[];
  onChange: (value: T | undefined) => void;
}) {
  return (
    <label>
      {label}{" "}
      <select value={value ?? ""} onChange={(e) => onChange(options.find((o) => o === e.target.value))}>
        <option value="">all</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The filters kept in the page's URL (so a filtered history can be linked and reloaded). */
export function filtersFromParams(params: URLSearchParams): ImportFilters {
  const source = params.get("source");
  const status = params.get("status");
  return {
    source: SOURCES.find((s) => s === source),
    status: STATUSES.find((s) => s === status),
    run_id: params.get("run") || undefined,
  };
}

export function filtersToParams(filters: ImportFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (filters.source) out.source = filters.source;
  if (filters.status) out.status = filters.status;
  if (filters.run_id) out.run = filters.run_id;
  return out;
}
