import { useState } from "react";
import { usePatchTrade } from "../../api/management";
import type { Trade } from "../../api/types";
import { EditorForm, NotesArea } from "../common/EditorForm";
import { parseTags, TagList, TagsField } from "../common/Tags";

/** The trade's notes and tags: kept across rebuilds and re-imports of its run. */
export function TradeNotesPanel({ trade, tagSuggestions = [] }: { trade: Trade; tagSuggestions?: readonly string[] }) {
  const [editing, setEditing] = useState(false);
  return (
    <section className="panel" aria-labelledby="notes-title" data-testid="trade-notes">
      <div className="row" style={{ marginBottom: 6 }}>
        <h2 id="notes-title" style={{ margin: 0 }}>
          Notes
        </h2>
        <span style={{ flex: 1 }} />
        {!editing && (
          <button type="button" className="small" onClick={() => setEditing(true)}>
            {trade.notes || trade.tags.length ? "Edit" : "Add notes or tags"}
          </button>
        )}
      </div>
      {editing ? (
        <NotesEditor trade={trade} suggestions={tagSuggestions} onDone={() => setEditing(false)} />
      ) : (
        <>
          <TagList tags={trade.tags} />
          {trade.notes ? <p className="notes">{trade.notes}</p> : !trade.tags.length && <span className="faint">None yet.</span>}
        </>
      )}
    </section>
  );
}

function NotesEditor({ trade, suggestions, onDone }: { trade: Trade; suggestions: readonly string[]; onDone: () => void }) {
  const [notes, setNotes] = useState(trade.notes ?? "");
  const [tags, setTags] = useState(trade.tags.join(", "));
  const patch = usePatchTrade(trade.trade_id, trade.run_id);
  const save = () => patch.mutate({ notes: notes.trim() ? notes : null, tags: parseTags(tags) }, { onSuccess: onDone });
  return (
    <EditorForm
      label="Edit notes and tags"
      onSave={save}
      onCancel={onDone}
      pending={patch.isPending}
      error={patch.error}
      hint="Ctrl+Enter saves, Escape cancels"
    >
      <label className="field" htmlFor="trade-tags">
        Tags
      </label>
      <TagsField id="trade-tags" value={tags} onChange={setTags} suggestions={suggestions} />
      <NotesArea value={notes} onChange={setNotes} onSave={save} rows={5} autoFocus />
    </EditorForm>
  );
}
