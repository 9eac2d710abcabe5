import type { ReactNode } from "react";
import { NavLink, useMatch } from "react-router-dom";
import { EventsProvider, useEventsConnected } from "../../api/events";
import { ApiKeyDialog } from "../auth/ApiKeyDialog";
import { Toasts } from "./Toasts";

export function AppShell({ children }: { children: ReactNode }) {
  return (
    <EventsProvider>
      <div className="shell">
        <TopBar />
        <main className="main" id="main">
          {children}
        </main>
      </div>
      <Toasts />
      <ApiKeyDialog />
    </EventsProvider>
  );
}

function TopBar() {
  const runMatch = useMatch("/runs/:runId/*");
  const runId = runMatch?.params.runId;
  const connected = useEventsConnected();
  return (
    <header className="topbar">
      <a className="visually-hidden" href="#main">
        Skip to content
      </a>
      <span className="brand">
        Strategy<span>Analysis</span>
      </span>
      <nav className="topnav" aria-label="Main">
        <NavLink to="/data">Data</NavLink>
        <NavLink to="/runs" end>
          Runs
        </NavLink>
        {runId && (
          <>
            <NavLink to={`/runs/${encodeURIComponent(runId)}`} end>
              Dashboard
            </NavLink>
            <NavLink to={`/runs/${encodeURIComponent(runId)}/trades`}>Trades</NavLink>
          </>
        )}
      </nav>
      <span className="topbar-spacer" />
      <span className={`conn ${connected ? "live" : ""}`} title="Live updates from the server">
        {connected ? "live" : "offline"}
      </span>
    </header>
  );
}
