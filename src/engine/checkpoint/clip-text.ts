/**
 * User-controlled text (tensor names, config keys and values) inside error
 * messages, cut to a readable length. A 50 MB tensor name must not become a
 * 50 MB message: the reason has to stay readable, and a message cut short by
 * a pipe would lose it.
 */

/** Longest name or value quoted in a message, in characters. */
export const MAX_QUOTED_CHARS = 120;

/** `text` itself when short, else its start, an ellipsis and how long it really was. */
export function clipText(text: string, max = MAX_QUOTED_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length} characters)`;
}

/** JSON.stringify(value), clipped; never throws (cycles, BigInt) and never builds a huge string for a huge array. */
export function quoteValue(value: unknown, max = MAX_QUOTED_CHARS): string {
  if (Array.isArray(value) && value.length > 64) return `a list of ${value.length} entries`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Too deeply nested to stringify (or a cycle): String() would recurse just as deep.
    return Array.isArray(value) ? 'a deeply nested list' : `a nested ${typeof value}`;
  }
  return clipText(text, max);
}

/** "name" quoted and clipped. */
export function quoteName(name: string, max = MAX_QUOTED_CHARS): string {
  return `"${clipText(name, max)}"`;
}
