/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { readFileSync } from "node:fs";
import { defineConfig } from "vite";

// The API runs on another port during `npm run dev`; in production FastAPI serves dist/.
// The proxy keeps the browser's Host (localhost:5173), which the server's Origin check
// compares with the page's origin: rewriting it would make every write cross-origin.
const apiTarget = process.env.API_URL ?? "http://127.0.0.1:8000";

// The API paths of the OpenAPI document the client was generated from: the app asks only
// for reads the server it ships with offers (a 404 would show as an error in the console).
const apiPaths = Object.keys(
  (JSON.parse(readFileSync(new URL("./openapi.json", import.meta.url), "utf8")) as { paths: object }).paths,
);

export default defineConfig({
  plugins: [react()],
  define: { __API_PATHS__: JSON.stringify(apiPaths) },
  server: {
    proxy: {
      "/api": { target: apiTarget, changeOrigin: false },
      "/openapi.json": { target: apiTarget, changeOrigin: false },
    },
  },
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    css: false,
  },
});
