import { useState } from "react";
import { useInstruments, usePutInstrument } from "../../api/queries";
import { fmtPrice } from "../../format";
import { Empty, ErrorState, Loading } from "../common/States";

/** Point value and tick size per symbol; saving one rebuilds that symbol's trades. */
export function InstrumentsPanel() {
  const instruments = useInstruments();
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <section className="panel" style={{ marginTop: 12 }} aria-labelledby="instruments-title">
      <h2 id="instruments-title">Instruments</h2>
      {instruments.isPending ? (
        <Loading rows={2} />
      ) : instruments.isError ? (
        <ErrorState error={instruments.error} retry={() => void instruments.refetch()} />
      ) : instruments.data.length === 0 ? (
        <Empty title="No instruments yet">Symbols appear here once an export is imported.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data compact">
            <thead>
              <tr>
                <th>Symbol</th>
                <th className="r">Point value</th>
                <th className="r">Tick size</th>
                <th>Currency</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {instruments.data.map((inst) =>
                editing === inst.symbol ? (
                  <EditRow
                    key={inst.symbol}
                    symbol={inst.symbol}
                    pointValue={inst.point_value}
                    tickSize={inst.tick_size ?? null}
                    onDone={() => setEditing(null)}
                  />
                ) : (
                  <tr key={inst.symbol}>
                    <td>
                      {inst.symbol}{" "}
                      {!inst.configured && (
                        <span className="badge warn" title="No instrument row: point value 1 until set">
                          not set
                        </span>
                      )}
                    </td>
                    <td className="r num">{fmtPrice(inst.point_value)}</td>
                    <td className="r num">{fmtPrice(inst.tick_size ?? null)}</td>
                    <td className="dim">{inst.currency ?? "—"}</td>
                    <td className="r">
                      <button type="button" className="small" onClick={() => setEditing(inst.symbol)}>
                        Edit
                      </button>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function EditRow({
  symbol,
  pointValue,
  tickSize,
  onDone,
}: {
  symbol: string;
  pointValue: number;
  tickSize: number | null;
  onDone: () => void;
}) {
  const [pv, setPv] = useState(String(pointValue));
  const [tick, setTick] = useState(tickSize == null ? "" : String(tickSize));
  const put = usePutInstrument();
  const pvNum = Number(pv);
  const tickNum = tick.trim() === "" ? null : Number(tick);
  const pvError = pv.trim() === "" || !Number.isFinite(pvNum) || pvNum <= 0 ? "Point value: a number above 0" : null;
  const tickError = tickNum != null && !(Number.isFinite(tickNum) && tickNum > 0) ? "Tick size: a number above 0, or empty" : null;
  const save = () => {
    if (pvError || tickError || put.isPending) return;
    put.mutate({ symbol, point_value: pvNum, tick_size: tickNum }, { onSuccess: onDone });
  };
  // Enter saves and Escape cancels from either field.
  const keys = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") {
      e.preventDefault();
      save();
    } else if (e.key === "Escape") {
      e.preventDefault();
      onDone();
    }
  };
  return (
    <tr data-testid="instrument-editor">
      <td>{symbol}</td>
      <td className="r">
        <input
          aria-label={`Point value of ${symbol}`}
          aria-invalid={pvError ? true : undefined}
          value={pv}
          onChange={(e) => setPv(e.target.value)}
          onKeyDown={keys}
          size={8}
          inputMode="decimal"
          autoFocus
        />
      </td>
      <td className="r">
        <input
          aria-label={`Tick size of ${symbol}`}
          aria-invalid={tickError ? true : undefined}
          value={tick}
          onChange={(e) => setTick(e.target.value)}
          onKeyDown={keys}
          size={8}
          inputMode="decimal"
        />
      </td>
      <td className="dim" style={{ whiteSpace: "normal" }}>
        {pvError || tickError ? (
          <span className="inline-error" role="alert">
            {[pvError, tickError].filter(Boolean).join("; ")}
          </span>
        ) : put.isError ? (
          <span className="inline-error" role="alert">
            {put.error.message}
          </span>
        ) : (
          "Enter saves (this symbol's trades are rebuilt), Escape cancels"
        )}
      </td>
      <td className="r nowrap">
        <button type="button" className="small primary" disabled={Boolean(pvError || tickError) || put.isPending} onClick={save}>
          {put.isPending ? "Saving…" : "Save"}
        </button>{" "}
        <button type="button" className="small ghost" onClick={onDone}>
          Cancel
        </button>
      </td>
    </tr>
  );
}
