// Asks for the server's API key when an answer was 401, keeps it, and reloads what failed.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { storeApiKey, storedApiKey, useApiKeyState } from "../../api/apiKey";
import "./modal.css";

export function ApiKeyDialog() {
  const { needed } = useApiKeyState();
  const queryClient = useQueryClient();
  const [key, setKey] = useState("");
  const input = useRef<HTMLInputElement>(null);
  // A stored key that the server refused is a wrong key, not a missing one.
  const refused = needed && storedApiKey() != null;

  useEffect(() => {
    if (needed) input.current?.focus();
  }, [needed]);

  if (!needed) return null;
  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="api-key-title"
        onSubmit={(e) => {
          e.preventDefault();
          const given = key.trim();
          if (!given) return;
          storeApiKey(given);
          setKey("");
          // Everything that was refused is asked again, with the key.
          void queryClient.invalidateQueries();
        }}
      >
        <h2 id="api-key-title">API key required</h2>
        <p className="dim">
          {refused
            ? "The server did not accept the stored key. Enter the server's API key."
            : "This server needs its API key (X-API-Key) for this. It is kept in this browser."}
        </p>
        <label className="field">
          API key
          <input
            ref={input}
            type="password"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            autoComplete="off"
            name="api-key"
          />
        </label>
        <div className="row" style={{ justifyContent: "flex-end", marginTop: 12 }}>
          <button type="submit" className="primary" disabled={!key.trim()}>
            Continue
          </button>
        </div>
      </form>
    </div>
  );
}
