// The chosen display unit, shared by every view on the page and remembered across visits.
import { useSyncExternalStore } from "react";
import { storedUnit, storeUnit, type DisplayUnit } from "./units";

let current: DisplayUnit | null = null;
const listeners = new Set<() => void>();

function read(): DisplayUnit {
  current ??= storedUnit();
  return current;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setDisplayUnit(unit: DisplayUnit): void {
  current = unit;
  storeUnit(unit);
  for (const listener of listeners) listener();
}

export function useDisplayUnit(): [DisplayUnit, (unit: DisplayUnit) => void] {
  return [useSyncExternalStore(subscribe, read, read), setDisplayUnit];
}
