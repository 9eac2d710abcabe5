import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { useInstruments, usePutInstrument } from "../../api/queries";
import type { Instrument } from "../../api/types";
import { DASH, fmtPlain, fmtPrice } from "../../format";
import { Empty, ErrorState, Loading } from "../common/States";

/**
 * Point value, tick size and currency per symbol; saving one rebuilds that symbol's
 * trades. What the user saves is theirs: imports keep it (and list a differing value as
 * a conflict). `?instrument=SYMBOL` opens that symbol's row for editing.
 */
export function InstrumentsPanel() {
  const instruments = useInstruments();
  const [params] = useSearchParams();
  const [editing, setEditing] = useState<string | null>(params.get("instrument"));
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    const wanted = params.get("instrument");
    if (wanted) setEditing(wanted);
  }, [params]);
  useEffect(() => {
    if (editing && instruments.data) panel.current?.scrollIntoView({ block: "start" });
  }, [editing, instruments.data]);
  return (
    <section ref={panel} id="instruments" className="panel" style={{ marginTop: 12 }} aria-labelledby="instruments-title">
      <h2 id="instruments-title">Instruments</h2>
      {instruments.isPending ? (
        <Loading rows={2} />
      ) : instruments.isError ? (
        <ErrorState error={instruments.error} retry={() => void instruments.refetch()} />
      ) : instruments.data.length === 0 ? (
        <Empty title="No instruments yet">Symbols appear here once an export is imported.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data compact" data-testid="instruments-table">
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
                  <EditRow key={inst.symbol} instrument={inst} onDone={() => setEditing(null)} />
                ) : (
                  <tr key={inst.symbol} data-symbol={inst.symbol}>
                    <td>
                      {inst.symbol}{" "}
                      {!inst.configured && (
                        <span className="badge warn" title="No instrument row: its PnL uses point value 1 until set">
                          no point value
                        </span>
                      )}
                      {inst.set_by_user && (
                        <span className="badge info" title="Saved here: imports keep these values">
                          yours
                        </span>
                      )}
                    </td>
                    <td className="r num">{inst.configured ? fmtPlain(inst.point_value) : DASH}</td>
                    <td className="r num">{fmtPrice(inst.tick_size ?? null, inst.price_decimals)}</td>
                    <td className="dim">{inst.currency ?? DASH}</td>
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

function EditRow({ instrument, onDone }: { instrument: Instrument; onDone: () => void }) {
  const { symbol } = instrument;
  const [pv, setPv] = useState(instrument.configured ? String(instrument.point_value) : "");
  const [tick, setTick] = useState(instrument.tick_size == null ? "" : String(instrument.tick_size));
  const [currency, setCurrency] = useState(instrument.currency ?? "");
  const put = usePutInstrument();
  const pvNum = Number(pv);
  const tickNum = tick.trim() === "" ? null : Number(tick);
  const pvError = pv.trim() === "" || !Number.isFinite(pvNum) || pvNum <= 0 ? "Point value: a number above 0" : null;
  const tickError = tickNum != null && !(Number.isFinite(tickNum) && tickNum > 0) ? "Tick size: a number above 0, or empty" : null;
  const currencyError = currency.trim().length > 20 ? "Currency: at most 20 characters" : null;
  const errors = [pvError, tickError, currencyError].filter(Boolean);
  const save = () => {
    if (errors.length > 0 || put.isPending) return;
    put.mutate({ symbol, point_value: pvNum, tick_size: tickNum, currency: currency.trim() || null }, { onSuccess: onDone });
  };
  // Enter saves and Escape cancels from any field.
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
    <tr data-testid="instrument-editor" data-symbol={symbol} data-editing="true">
      <td>{symbol}</td>
      <td className="r">
        <input
          aria-label={`Point value of ${symbol}`}
          aria-invalid={pvError ? true : undefined}
          value={pv}
          placeholder="e.g. 50"
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
      <td>
        <input
          aria-label={`Currency of ${symbol}`}
          aria-invalid={currencyError ? true : undefined}
          value={currency}
          onChange={(e) => setCurrency(e.target.value)}
          onKeyDown={keys}
          size={5}
        />
      </td>
      <td className="r nowrap">
        <span className="dim" style={{ whiteSpace: "normal", marginRight: 8 }}>
          {errors.length > 0 ? (
            <span className="inline-error" role="alert">
              {errors.join("; ")}
            </span>
          ) : put.isError ? (
            <span className="inline-error" role="alert">
              {put.error.message}
            </span>
          ) : (
            "Enter saves (this symbol's trades are rebuilt; imports keep your values), Escape cancels"
          )}
        </span>
        <button type="button" className="small primary" disabled={errors.length > 0 || put.isPending} onClick={save}>
          {put.isPending ? "Saving…" : "Save"}
        </button>{" "}
        <button type="button" className="small ghost" onClick={onDone}>
          Cancel
        </button>
      </td>
    </tr>
  );
}
