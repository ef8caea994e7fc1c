// Types for container.mjs (plain JavaScript, run by `npm run container`).
import type { Bundle } from './bundle.mjs';
import type { SpawnSyncReturns } from 'node:child_process';

export interface Builder {
  tool: 'podman' | 'buildah' | 'docker';
  args: string[];
}
export declare const NODE_VERSION: string;
export declare function findBuilder(): Builder | null;
export declare function writeContext(opts: { out: string; xzLevel: number; log?: (line: string) => void }): { context: string; bundle: Bundle };
export declare function buildImage(opts: { context: string; tag: string; base?: string; builder?: Builder | null; quiet?: boolean; extraArgs?: string[]; env?: NodeJS.ProcessEnv }): SpawnSyncReturns<string>;
