/** Tags as chips. */
export function TagList({ tags }: { tags: readonly string[] }) {
  if (tags.length === 0) return null;
  return (
    <span className="tags" data-testid="tags">
      {tags.map((t) => (
        <span key={t} className="tag">
          {t}
        </span>
      ))}
    </span>
  );
}

/** "a, b , c" as tags: trimmed, blanks dropped (the server also drops duplicates). */
export function parseTags(text: string): string[] {
  return text
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
}

/** A comma-separated tags input; `suggestions` (tags in use elsewhere) add themselves. */
export function TagsField({
  id,
  value,
  onChange,
  suggestions = [],
}: {
  id: string;
  value: string;
  onChange: (text: string) => void;
  suggestions?: readonly string[];
}) {
  const current = new Set(parseTags(value).map((t) => t.toLowerCase()));
  const missing = suggestions.filter((t) => !current.has(t.toLowerCase()));
  return (
    <>
      <input id={id} value={value} onChange={(e) => onChange(e.target.value)} placeholder="comma, separated" autoComplete="off" />
      {missing.length > 0 && (
        <span className="tags suggestions">
          {missing.slice(0, 12).map((t) => (
            <button key={t} type="button" className="tag" onClick={() => onChange([...parseTags(value), t].join(", "))}>
              + {t}
            </button>
          ))}
        </span>
      )}
    </>
  );
}
