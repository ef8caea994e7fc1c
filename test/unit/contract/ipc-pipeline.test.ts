// The Electron path without Electron: the renderer's electronTransport over a
// bridge that does what preload + ipcMain do (structured clone both ways, the
// main process's dispatchIpc), down to the real worker session and ffmpeg.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceSession } from '../../../src/engine/session/source-worker';
import type { WorkerSession } from '../../../src/engine/session/worker-session';
import { dispatchIpc } from '../../../src/main/ipc-dispatch';
import { electronTransport } from '../../../src/renderer/src/transport/electron-transport';
import type { WfvaePreloadApi } from '../../../src/shared/preload-api';
import { isApiMethod } from '../../../src/shared/contract';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';

let dir: string;
let clip: string;
let session: WorkerSession;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wfvae-ipc-test-'));
  clip = join(dir, 'c.mp4');
  execFileSync(FIXTURE_FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=32x32:rate=10', '-frames:v', '9', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-y', clip]);
  session = createSourceSession();
});

afterAll(async () => {
  await session?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function bridgeTo(s: WorkerSession): WfvaePreloadApi {
  return {
    async invoke(method, request) {
      if (!isApiMethod(method)) throw new Error('no handler');
      return structuredClone(await dispatchIpc(s, method, structuredClone(request)));
    },
    onEvent: (listener) => s.onEvent((e) => listener(structuredClone(e))),
    getPathForFile: () => '',
    chooseVideoFile: async () => null,
    chooseModelFolder: async () => null,
    // Dialogs and the prefs file live in Electron's main process: not part of this pipeline.
    saveExport: async () => null,
    saveBytes: async () => null,
    loadPrefs: async () => undefined,
    savePrefs: async () => undefined,
  };
}

describe('Electron IPC pipeline (renderer transport -> dispatchIpc -> worker session)', () => {
  it('answers a real open and getSubbands with typed arrays intact', async () => {
    const { api } = electronTransport(bridgeTo(session));
    const info = await api.openVideo({ taskId: 'ipc-1', source: { kind: 'path', path: clip } });
    expect(info).toMatchObject({ frames: 9, width: 32, height: 32, maxLevels: 3 });
    const sub = await api.getSubbands({ clipId: info.clipId, t: 8, levels: 3 });
    expect(sub.levels.map((l) => [l.coefficientFrame, l.tiles[0].width])).toEqual([[4, 16], [2, 8], [1, 4]]);
    expect(sub.levels[0].tiles[0].data).toBeInstanceOf(Float32Array);
  });

  it('main refuses a malformed request with BAD_REQUEST and the renderer sees the code', async () => {
    expect(await dispatchIpc(session, 'getFrame', { clipId: 'x', t: 'zero' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST', message: expect.stringMatching(/invalid getFrame request: t:/) },
    });
    const { api } = electronTransport(bridgeTo(session));
    await expect(api.getFrame({ clipId: 'clip-404', t: 0 })).rejects.toMatchObject({ code: 'UNKNOWN_CLIP' });
    await expect(api.openVideo({ taskId: 'ipc-2', source: { kind: 'path', path: join(dir, 'missing.mp4') } })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('the renderer rejects a reply that does not match the contract', async () => {
    const lying: WfvaePreloadApi = { ...bridgeTo(session), invoke: async () => ({ ok: true, value: { clips: 'none' } }) };
    await expect(electronTransport(lying).api.listClips({})).rejects.toThrow(/invalid listClips response: clips/);
    const garbage: WfvaePreloadApi = { ...bridgeTo(session), invoke: async () => 42 };
    await expect(electronTransport(garbage).api.listClips({})).rejects.toThrow(/malformed listClips reply/);
  });
});
