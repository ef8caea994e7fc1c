// Types for bundle.mjs (plain JavaScript, run by `npm run bundle`).
export interface Bundle {
  /** The archive's top folder: wfvae-inspector-<version>-<platform>-<arch>. */
  name: string;
  archive: string;
  demoArchive: string;
  archiveBytes: number;
  demoArchiveBytes: number;
  unpackedBytes: number;
}
export declare const LEFT_OUT: Record<string, string>;
export declare function runtimeClosure(rootPkg?: { dependencies?: Record<string, string> }): Map<string, string>;
export declare function sizeOf(path: string): number;
export declare function bundle(opts: { out: string; xzLevel: number; log?: (line: string) => void }): Bundle;
