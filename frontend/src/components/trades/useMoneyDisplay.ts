import { useInstruments } from "../../api/queries";
import type { Trade } from "../../api/types";
import { useDisplayUnit } from "../analysis/useDisplayUnit";
import type { MoneyDisplay } from "./TradesTable";

/** The chosen unit, and each trade's basis from its instrument: a symbol without a point
 * value (its PnL used 1) or without a tick size has no figure in that unit. */
export function useMoneyDisplay(): MoneyDisplay {
  const [unit] = useDisplayUnit();
  const instruments = useInstruments();
  const bySymbol = new Map((instruments.data ?? []).map((i) => [i.symbol, i]));
  return {
    unit,
    basisOf: (t: Trade) => {
      const inst = bySymbol.get(t.symbol);
      return {
        pointValue: t.point_value_missing || !inst?.configured ? null : inst.point_value,
        tickSize: inst?.tick_size ?? null,
        decimals: t.price_decimals,
      };
    },
  };
}
