/** The paths of `openapi.json` at build time (vite.config.ts). */
declare const __API_PATHS__: readonly string[];
