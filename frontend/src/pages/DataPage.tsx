import { useCallback, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { useImports } from "../api/queries";
import { Pager } from "../components/common/Pager";
import { ErrorState, Loading } from "../components/common/States";
import { DropZone } from "../components/data/DropZone";
import { filtersFromParams, filtersToParams, ImportHistoryFilters } from "../components/data/ImportHistoryFilters";
import { ImportHistoryTable } from "../components/data/ImportHistoryTable";
import { InstrumentsPanel } from "../components/data/InstrumentsPanel";
import { UploadCard } from "../components/data/UploadCard";

const HISTORY_PAGE = 25;

interface Upload {
  id: number;
  file: File;
}

export function DataPage() {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const nextId = useRef(1);
  const [params, setParams] = useSearchParams();
  const offset = Math.max(0, Number(params.get("offset") ?? 0) || 0);
  const filters = filtersFromParams(params);
  const history = useImports(offset, HISTORY_PAGE, filters);

  const addFiles = useCallback((files: File[]) => {
    setUploads((list) => [...files.map((file) => ({ id: nextId.current++, file })), ...list]);
  }, []);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Data</h1>
        <span className="sub">Import strategy exports; every file is checked before anything is written.</span>
      </div>
      <DropZone onFiles={addFiles} />
      {uploads.length > 0 && (
        <section aria-label="Uploads" style={{ marginTop: 12 }}>
          {uploads.map((u) => (
            <UploadCard key={u.id} file={u.file} onRemove={() => setUploads((l) => l.filter((x) => x.id !== u.id))} />
          ))}
        </section>
      )}
      <section className="panel" style={{ marginTop: 16 }} aria-labelledby="history-title">
        <h2 id="history-title">Import history</h2>
        <ImportHistoryFilters filters={filters} onChange={(f) => setParams(filtersToParams(f))} />
        {history.isPending ? (
          <Loading />
        ) : history.isError ? (
          <ErrorState error={history.error} retry={() => void history.refetch()} />
        ) : (
          <>
            <ImportHistoryTable imports={history.data.items} />
            <Pager
              offset={offset}
              limit={HISTORY_PAGE}
              total={history.data.total}
              onOffset={(o) => setParams({ ...filtersToParams(filters), ...(o ? { offset: String(o) } : {}) })}
            />
          </>
        )}
      </section>
      <InstrumentsPanel />
    </div>
  );
}
