// Words that depend on a count.
import { fmtInt } from "./format";

/** "1 trade", "2 trades", "0 trades"; `many` when the plural is not `one` + "s". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${fmtInt(count)} ${count === 1 ? one : many}`;
}
