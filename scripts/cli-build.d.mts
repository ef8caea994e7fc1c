// Types for cli-build.mjs (plain JavaScript: it runs before anything is built).
export interface CliBuildTarget {
  name: string;
  config: string;
  output: string;
  inputs: string[];
}
export declare const TARGETS: CliBuildTarget[];
export declare function isStale(target: CliBuildTarget, root?: string): boolean;
export declare function ensureCliBuild(opts?: { root?: string; force?: boolean; log?: (line: string) => void }): string[];
