import { lazy, Suspense } from "react";
import { Navigate, Route, Routes, useParams } from "react-router-dom";
import { useRun, useTrade } from "./api/queries";
import { AppShell } from "./components/layout/AppShell";
import { Loading } from "./components/common/States";
import { DataPage } from "./pages/DataPage";
import { HomeRedirect } from "./pages/HomeRedirect";
import { ImportPage } from "./pages/ImportPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { RunsPage } from "./pages/RunsPage";

// Chart pages carry lightweight-charts: loaded on demand so the first page stays small.
const DashboardPage = lazy(() => import("./pages/DashboardPage"));
const TradesPage = lazy(() => import("./pages/TradesPage"));
const TradeDetailPage = lazy(() => import("./pages/TradeDetailPage"));
const PeriodsPage = lazy(() => import("./pages/PeriodsPage"));
const ComparePage = lazy(() => import("./pages/ComparePage"));
const OrdersPage = lazy(() => import("./pages/OrdersPage"));
const QualityPage = lazy(() => import("./pages/QualityPage"));

export function App() {
  return (
    <AppShell>
      <Suspense fallback={<div className="page"><Loading /></div>}>
        <Routes>
          <Route path="/" element={<HomeRedirect />} />
          <Route path="/data" element={<DataPage />} />
          <Route path="/imports" element={<Navigate to="/data" replace />} />
          <Route path="/imports/:importId" element={<ImportPage />} />
          <Route path="/runs" element={<RunsPage />} />
          <Route path="/runs/:runId" element={<DashboardRoute />} />
          <Route path="/runs/:runId/trades" element={<TradesPage />} />
          <Route path="/runs/:runId/periods" element={<PeriodsPage />} />
          <Route path="/compare" element={<ComparePage />} />
          <Route path="/runs/:runId/orders" element={<OrdersPage />} />
          <Route path="/runs/:runId/quality" element={<QualityPage />} />
          <Route path="/trades/:tradeId" element={<TradeDetailRoute />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </Suspense>
    </AppShell>
  );
}

// The data request starts with the route, in parallel with the page's code, not after it.
function TradeDetailRoute() {
  useTrade(useParams().tradeId ?? "");
  return <TradeDetailPage />;
}

function DashboardRoute() {
  useRun(useParams().runId ?? "");
  return <DashboardPage />;
}
