// The X-API-Key the user gave, kept in localStorage, and whether the server asks for it.
// The server answers 401 to every request without the right key when it guards reads
// (PROTECT_READS), and to writes whenever it has an API_KEY; the app then asks once.
import { useSyncExternalStore } from "react";

const STORAGE = "strategy-analysis.api-key";

interface KeyState {
  /** The stored key was refused or is missing: the user must give one. */
  needed: boolean;
  /** Bumped whenever the key changes, so streams and queries can start again with it. */
  version: number;
}

let state: KeyState = { needed: false, version: 0 };
const listeners = new Set<() => void>();

function update(next: KeyState): void {
  state = next;
  for (const listener of listeners) listener();
}

export function subscribeApiKey(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function apiKeyState(): KeyState {
  return state;
}

/** The key the user entered, or null. */
export function storedApiKey(): string | null {
  try {
    return window.localStorage.getItem(STORAGE);
  } catch {
    return null;
  }
}

/** Keeps the key (null forgets it) and lets everything waiting for it go on. */
export function storeApiKey(key: string | null): void {
  if (key) window.localStorage.setItem(STORAGE, key);
  else window.localStorage.removeItem(STORAGE);
  update({ needed: false, version: state.version + 1 });
}

/** An answer was 401: the server wants a (different) key. */
export function reportUnauthorized(): void {
  if (!state.needed) update({ ...state, needed: true });
}

export function useApiKeyState(): KeyState {
  return useSyncExternalStore(subscribeApiKey, apiKeyState, apiKeyState);
}
