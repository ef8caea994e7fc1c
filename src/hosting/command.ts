export interface Command {
  name: string;
  help: string;
  /** The command answers --help itself (it hands its arguments to another process). */
  ownHelp?: boolean;
  /** Returns the exit code (0 when omitted). */
  run(argv: string[]): Promise<number | void>;
}

/**
 * A command as the program lists it: its name and one line for the usage, and
 * its code, loaded only when it runs or its help is asked for (so `wfvae
 * info` starts without onnxruntime and the model code).
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}
