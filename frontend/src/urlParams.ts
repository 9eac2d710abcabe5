/** `params` with `changes` applied (a null or empty value removes its key) and, unless
 * `keepOffset`, the offset removed: a list whose filters change starts at its first page. */
export function changedParams(
  params: URLSearchParams,
  changes: Record<string, string | null>,
  keepOffset = false,
): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [k, v] of Object.entries(changes)) {
    if (v) next.set(k, v);
    else next.delete(k);
  }
  if (!keepOffset) next.delete("offset");
  return next;
}
