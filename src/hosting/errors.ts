/** An error the CLI reports as a one-line message and a non-zero exit, without a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}
