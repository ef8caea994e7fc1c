/**
 * User-controlled text (tensor names, config keys and values, file names)
 * inside messages: control characters escaped and cut to a readable length.
 *
 * A name from a file is printed to somebody's terminal: an ESC in it would be
 * a terminal escape sequence (retitle the window, rewrite the screen, on some
 * terminals worse), a newline would forge a line of output, a bidi override
 * would make the text read differently from what it is. escapeControl shows
 * such characters as \u001b, \n, \u202e instead; every place a name or value
 * from a file reaches stdout or stderr goes through it (clipText, quoteName
 * and quoteValue call it, and the hosts call it on every error message).
 *
 * A 50 MB tensor name must not become a 50 MB message either: the reason has
 * to stay readable, and a message cut short by a pipe would lose it.
 */

/** Longest name or value quoted in a message, in characters. */
export const MAX_QUOTED_CHARS = 120;

// C0 controls, DEL and C1 controls (U+0080-U+009F: 8-bit CSI, OSC, ... on terminals that read them),
// line and paragraph separators, bidi embeddings, overrides and isolates, and lone surrogates
// (invalid UTF-16: a file's invalid UTF-8 decodes to U+FFFD, but a string cut in half can hold one).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** The same, except newline and tab: for whole messages, which may span lines. */
// eslint-disable-next-line no-control-regex -- as above
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** \n, \r, \t by name, everything else as \uXXXX: the way JSON writes the same character, so an escaped name reads the same in text and in --json output. */
function escapeOne(c: string): string {
  return NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every character a terminal could act on shown as an escape
 * (\u001b, \n, \u009b, \u202e). With `keepLines`, newlines and tabs stay: for
 * a whole message of ours that quotes names, rather than for a name itself.
 */
export function escapeControl(text: string, opts: { keepLines?: boolean } = {}): string {
  const pattern = opts.keepLines ? UNSAFE_IN_TEXT : UNSAFE;
  pattern.lastIndex = 0;
  return pattern.test(text) ? text.replace(pattern, escapeOne) : text;
}

/** `text` itself when short, else its start, an ellipsis and how long it really was; control characters escaped. */
export function clipText(text: string, max = MAX_QUOTED_CHARS): string {
  if (text.length <= max) return escapeControl(text);
  return `${escapeControl(text.slice(0, max))}… (${text.length} characters)`;
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
