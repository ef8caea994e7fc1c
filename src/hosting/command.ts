export interface Command {
  name: string;
  summary: string;
  help: string;
  /** The command answers --help itself (it hands its arguments to another process). */
  ownHelp?: boolean;
  /** Returns the exit code (0 when omitted). */
  run(argv: string[]): Promise<number | void>;
}
