// The packaging configuration without packaging (that needs an Electron
// download): electron-builder accepts the config and runs the fuse hook after
// packing, and the hook, run on a file carrying a real fuse wire, leaves every
// fuse as decided.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import afterPack, { electronBinaryPath, FUSES } from '../../../scripts/electron-fuses.mjs';

const require = createRequire(import.meta.url);
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-fuses-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('electron-builder configuration', () => {
  it('is valid for electron-builder, packs into an ASAR and flips fuses after packing', async () => {
    const yaml = require('js-yaml') as { load(text: string): Record<string, unknown> };
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as { validateConfiguration(c: unknown, l: unknown): Promise<void> };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    const config = yaml.load(readFileSync('electron-builder.yml', 'utf8'));
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // An options object turns ASAR on (with only asarUnpack's files outside it: smartUnpack off).
    expect(config.asar).toEqual({ smartUnpack: false });
    expect(config.afterPack).toBe('./scripts/electron-fuses.mjs');
    // The schema check is real: an unknown key is refused.
    await expect(validateConfiguration({ ...config, fusesTypo: true }, new DebugLogger(false))).rejects.toThrow(/unknown property 'fusesTypo'/);
  });
});

describe('the afterPack fuse hook', () => {
  it('decides every fuse: no RunAsNode, NODE_OPTIONS or --inspect; ASAR only, integrity checked', () => {
    expect(FUSES.strictlyRequireAllFuses).toBe(true);
    expect(FUSES[FuseV1Options.RunAsNode]).toBe(false);
    expect(FUSES[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(FUSES[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(FUSES[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(FUSES[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
  });

  it('flips them in the packed binary (a file with a real fuse wire, all fuses at their Electron defaults)', async () => {
    const exe = join(dir, 'wfvae-inspector');
    // Electron's defaults: RunAsNode, cookie encryption off, NODE_OPTIONS, inspect on, integrity off, ASAR-only off, …
    const defaults = [49, 48, 49, 49, 48, 48, 48, 49, 49];
    writeFileSync(exe, Buffer.concat([Buffer.from('ELF padding '.repeat(100)), Buffer.from(SENTINEL), Buffer.from([1, defaults.length, ...defaults]), Buffer.from(' more bytes')]));
    const context = { electronPlatformName: 'linux', appOutDir: dir, arch: 1, packager: { executableName: 'wfvae-inspector', appInfo: { productFilename: 'WF-VAE Inspector' } } };
    expect(electronBinaryPath(context)).toBe(exe);
    await afterPack(context);
    const wire = await getCurrentFuseWire(exe);
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
    expect(electronBinaryPath({ ...context, electronPlatformName: 'win32' })).toBe(join(dir, 'WF-VAE Inspector.exe'));
    expect(electronBinaryPath({ ...context, electronPlatformName: 'darwin' })).toBe(join(dir, 'WF-VAE Inspector.app'));
  });
});
