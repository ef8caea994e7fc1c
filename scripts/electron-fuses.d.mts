// Types for electron-fuses.mjs (a plain ES module, as electron-builder loads hooks).
import type { FuseV1Config } from '@electron/fuses';

export interface AfterPackContextLike {
  electronPlatformName: string;
  appOutDir: string;
  arch: number;
  packager: { executableName: string; appInfo: { productFilename: string } };
}

export declare const FUSES: FuseV1Config & { strictlyRequireAllFuses: true };
export declare function electronBinaryPath(context: AfterPackContextLike): string;
export default function afterPack(context: AfterPackContextLike): Promise<void>;
