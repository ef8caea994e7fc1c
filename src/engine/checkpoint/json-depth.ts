/**
 * How deeply JSON text nests, found without recursion. JSON.parse (and any
 * recursive walk of its result) overflows the stack on a few hundred thousand
 * nested brackets and says only "Maximum call stack size exceeded"; checking
 * first gives the file, the depth and where it happens.
 */

/** Where nesting first goes deeper than `max`, or undefined when it never does. Brackets inside strings do not count. */
export function findExcessNesting(text: string, max: number): { position: number; line: number; column: number } | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) {
        const before = text.slice(0, i);
        const line = before.split('\n').length;
        return { position: i, line, column: i - (before.lastIndexOf('\n') + 1) + 1 };
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return undefined;
}

/** "nests deeper than 32 levels (at line 1 column 33)" or "" when it does not. */
export function describeExcessNesting(text: string, max: number): string {
  const at = findExcessNesting(text, max);
  return at ? `nests deeper than ${max} levels (at line ${at.line} column ${at.column})` : '';
}
