import { useDisplayUnit } from "./useDisplayUnit";
import { DISPLAY_UNITS } from "./units";

const LABELS = { currency: "Currency", points: "Points", ticks: "Ticks" } as const;

/** Currency / Points / Ticks for the money figures of the page; remembered. */
export function UnitSwitch() {
  const [unit, setUnit] = useDisplayUnit();
  return (
    <div className="seg" role="group" aria-label="Display unit" data-testid="unit-switch">
      {DISPLAY_UNITS.map((u) => (
        <button key={u} type="button" aria-pressed={u === unit} onClick={() => setUnit(u)}>
          {LABELS[u]}
        </button>
      ))}
    </div>
  );
}
