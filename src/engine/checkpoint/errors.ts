/**
 * Every problem with a user's checkpoint surfaces as one CheckpointError: a
 * code the UI and CLI can branch on, a message that says what is wrong and
 * what to do, and (for long lists such as missing weights) the full list in
 * `details`, while the message itself stays readable.
 */
export type CheckpointErrorCode =
  | 'not_found'
  | 'truncated'
  | 'bad_header'
  | 'bad_offsets'
  | 'bad_dtype'
  | 'non_finite'
  | 'bad_config'
  | 'unknown_class'
  | 'bad_option'
  | 'missing_weights'
  | 'unexpected_weights'
  | 'shape_mismatch'
  | 'changed'
  | 'io';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
    readonly details?: string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How many items of a list a message shows before "... and N more". */
export const MESSAGE_LIST_CAP = 12;

/** "a, b, c and 7 more" for messages; the full list belongs in `details`. */
export function cappedList(items: readonly string[], cap = MESSAGE_LIST_CAP, separator = ', '): string {
  if (items.length <= cap) return items.join(separator);
  return `${items.slice(0, cap).join(separator)}${separator}... and ${items.length - cap} more`;
}

/** Node's fs errors carry a code; turn the common ones into checkpoint errors. */
export function ioError(err: unknown, path: string, what: string): CheckpointError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new CheckpointError('not_found', `${what} not found: ${path}`, undefined, { cause: err });
  if (code === 'EISDIR') return new CheckpointError('io', `${what} is a folder, expected a file: ${path}`, undefined, { cause: err });
  if (code === 'EACCES' || code === 'EPERM') {
    return new CheckpointError('io', `no permission to read ${what}: ${path}`, undefined, { cause: err });
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new CheckpointError('io', `cannot read ${what} ${path}: ${reason}`, undefined, { cause: err });
}
