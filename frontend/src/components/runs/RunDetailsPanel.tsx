import { useState } from "react";
import { usePatchRun } from "../../api/management";
import type { Run } from "../../api/types";
import { fmtInt, fmtTime } from "../../format";
import { CopyButton } from "../common/CopyButton";
import { EditorForm, NotesArea } from "../common/EditorForm";
import { parseTags, TagList, TagsField } from "../common/Tags";
import { DeleteRunButton } from "./DeleteRunButton";

/** The run's own facts, the user's name, notes and tags (editable), and deleting it. */
export function RunDetailsPanel({ run, tagSuggestions = [] }: { run: Run; tagSuggestions?: readonly string[] }) {
  const [editing, setEditing] = useState(false);
  const accounts = run.accounts.length ? run.accounts : run.account_id ? [run.account_id] : [];
  return (
    <section className="panel" aria-labelledby="run-title" data-testid="run-details">
      <div className="row" style={{ marginBottom: 8 }}>
        <h2 id="run-title" style={{ margin: 0 }}>
          Run
        </h2>
        <span style={{ flex: 1 }} />
        {!editing && (
          <button type="button" className="small" onClick={() => setEditing(true)}>
            Edit name, notes, tags
          </button>
        )}
        <DeleteRunButton run={run} />
      </div>
      {editing ? (
        <RunEditor run={run} suggestions={tagSuggestions} onDone={() => setEditing(false)} />
      ) : (
        <dl className="kv">
          <dt>Name</dt>
          <dd>{run.name ?? <span className="faint">—</span>}</dd>
          <dt>Run id</dt>
          <dd className="mono">
            {run.run_id} <CopyButton value={run.run_id} label="Copy run id" />
          </dd>
          <dt>Tags</dt>
          <dd>{run.tags.length ? <TagList tags={run.tags} /> : <span className="faint">—</span>}</dd>
          <dt>Notes</dt>
          <dd className="notes">{run.notes ?? <span className="faint">—</span>}</dd>
          <dt>{accounts.length === 1 ? "Account" : "Accounts"}</dt>
          <dd data-testid="run-accounts">{accounts.length ? accounts.join(", ") : "—"}</dd>
          <dt>Exporter</dt>
          <dd>{run.exporter ?? "—"}</dd>
          <dt>Schema</dt>
          <dd>{run.schema_version ?? "—"}</dd>
          <dt>Orders / executions</dt>
          <dd className="num">
            {fmtInt(run.counts.orders)} / {fmtInt(run.counts.executions)}
          </dd>
          <dt>Analysis updated</dt>
          <dd className="num">{fmtTime(run.analysis_updated_at)}</dd>
        </dl>
      )}
    </section>
  );
}

function RunEditor({ run, suggestions, onDone }: { run: Run; suggestions: readonly string[]; onDone: () => void }) {
  const [name, setName] = useState(run.name ?? "");
  const [notes, setNotes] = useState(run.notes ?? "");
  const [tags, setTags] = useState(run.tags.join(", "));
  const patch = usePatchRun(run.run_id);
  const save = () =>
    patch.mutate({ name: name.trim() || null, notes: notes.trim() ? notes : null, tags: parseTags(tags) }, { onSuccess: onDone });
  return (
    <EditorForm
      label="Edit run"
      onSave={save}
      onCancel={onDone}
      pending={patch.isPending}
      error={patch.error}
      hint="Enter saves, Ctrl+Enter in the notes; Escape cancels"
    >
      <label className="field">
        Name (shown instead of the run id)
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder={run.run_id} autoFocus />
      </label>
      <label className="field" htmlFor="run-tags">
        Tags
      </label>
      <TagsField id="run-tags" value={tags} onChange={setTags} suggestions={suggestions} />
      <NotesArea value={notes} onChange={setNotes} onSave={save} />
    </EditorForm>
  );
}
