import { useState } from "react";
import { useImports } from "../../api/queries";
import { Pager } from "../common/Pager";
import { ErrorState, Loading } from "../common/States";
import { ImportHistoryTable } from "./ImportHistoryTable";

const BATCHES_PAGE = 50;

/** The batches of a stream session, newest first, each linking to its own report. */
export function StreamSessionBatches({ sessionId }: { sessionId: number }) {
  const [offset, setOffset] = useState(0);
  const batches = useImports(offset, BATCHES_PAGE, { session_id: sessionId });
  return (
    <section className="panel" style={{ marginTop: 16 }} aria-labelledby="batches-title">
      <h2 id="batches-title">Batches</h2>
      {batches.isPending ? (
        <Loading />
      ) : batches.isError ? (
        <ErrorState error={batches.error} retry={() => void batches.refetch()} />
      ) : (
        <>
          <ImportHistoryTable imports={batches.data.items} label="Batches of the stream session" empty="No batch yet." />
          <Pager offset={offset} limit={BATCHES_PAGE} total={batches.data.total} onOffset={setOffset} />
        </>
      )}
    </section>
  );
}
