export interface Command {
  name: string;
  summary: string;
  help: string;
  /** Returns the exit code (0 when omitted). */
  run(argv: string[]): Promise<number | void>;
}
