// The desktop app's way of running the video tool, without Electron: av-tool.mjs
// started through the Electron host's utilityProcess launcher
// (src/main/utility-launcher.ts) on a stand-in utilityProcess built on a real
// Node child with an IPC channel (test/helpers/electron/fake-utility-process.ts),
// reached from the engine through the relay and its MessagePort protocol as a
// worker thread reaches it. Real av-tool, real FFmpeg: the frames must be the
// very bytes the plain-Node path decodes, the mp4 must hold the frames written,
// and a cancel, a crash and a bad file must read exactly as they do there.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PortLauncher } from '../../../src/engine/process/port-launcher';
import { setProcessLauncher, type ProcessLauncher } from '../../../src/engine/process/launcher';
import { avToolScript } from '../../../src/engine/video/ffmpeg-paths';
import { decodeVideo, encodeMp4, probeVideo, type DecodedClip } from '../../../src/engine/video/index';
import { createLaunchRelay, type LaunchRelay } from '../../../src/main/launch-relay';
import { unannouncedEnd, utilityLauncher } from '../../../src/main/utility-launcher';
import { fakeUtilityProcess } from '../../helpers/electron/fake-utility-process';
import { FIXTURE_FFPROBE } from '../../helpers/fixture-ffmpeg';
import { childProcesses, dir, expectVideoError, ffmpegRgb, makeClip } from '../video/helpers';

let clip: string;
let plain: DecodedClip;
let bad: string;

beforeAll(async () => {
  clip = await makeClip('utility-src.mp4', 'testsrc2=size=64x48:rate=12', 13, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
  bad = join(dir, 'not-a-video.mp4');
  writeFileSync(bad, 'not a video\n'.repeat(100));
  setProcessLauncher(null);
  plain = await decodeVideo(clip, {});
});

afterEach(() => setProcessLauncher(null));

/** Electron's main thread: the relay serving one engine thread's port with the utilityProcess launcher. */
function electronMain(): { utility: ReturnType<typeof fakeUtilityProcess>; relay: LaunchRelay; engineSide: ProcessLauncher } {
  const utility = fakeUtilityProcess();
  const relay = createLaunchRelay({ launcher: utilityLauncher(utility.api), resolveScript: (s) => (s === avToolScript() ? s : null) });
  const { port1, port2 } = new MessageChannel();
  relay.serve(port1);
  return { utility, relay, engineSide: new PortLauncher(port2) };
}

function probeFrames(path: string): number {
  const out = execFileSync(FIXTURE_FFPROBE, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,codec_name', '-of', 'json', path], { encoding: 'utf8' });
  const s = (JSON.parse(out) as { streams: { nb_read_frames: string; codec_name: string }[] }).streams[0];
  expect(s.codec_name).toBe('h264');
  return Number(s.nb_read_frames);
}

describe('av-tool under the utilityProcess launcher', () => {
  let main: ReturnType<typeof electronMain>;
  beforeAll(() => {
    main = electronMain();
  });
  afterAll(() => main.relay.close());

  it('probes and decodes the very bytes the plain-Node path decodes, each job in a utility process of its own', async () => {
    setProcessLauncher(main.engineSide);
    const before = main.utility.forks.length;
    expect(await probeVideo(clip)).toMatchObject({ width: 64, height: 48, frames: 13, fps: 12, codec: 'h264' });
    const viaUtility = await decodeVideo(clip, {});
    expect(viaUtility.shape).toEqual(plain.shape);
    expect(Buffer.from(viaUtility.data.buffer).equals(Buffer.from(plain.data.buffer))).toBe(true);
    // decodeVideo probes (twice: header and packet count) and decodes: every run forked av-tool, with no stdin and no Node warnings.
    const forks = main.utility.forks.slice(before);
    expect(forks.length).toBeGreaterThanOrEqual(3);
    for (const f of forks) {
      expect(f.modulePath).toBe(avToolScript());
      expect(f.execArgv).toEqual(['--no-warnings']);
      expect(f.serviceName).toBe('WF-VAE Inspector av-tool.mjs');
      expect(f.env?.NODE_OPTIONS).toBeUndefined();
    }
    expect(forks.map((f) => f.args[0])).toContain('decode');
    expect(main.utility.alive.size).toBe(0);
    expect(main.relay.running).toBe(0);
  });

  it('encodes an mp4 from frames sent as messages (no stdin): the same frames as the plain-Node encode', async () => {
    const video = { data: plain.data, shape: plain.shape as [number, number, number, number] };
    setProcessLauncher(null);
    const reference = join(dir, 'plain.mp4');
    await encodeMp4(video, reference, { fps: 12 });
    setProcessLauncher(main.engineSide);
    const out = join(dir, 'utility.mp4');
    const progress: number[] = [];
    await encodeMp4(video, out, { fps: 12, onProgress: (done) => progress.push(done) });
    expect(progress).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(main.utility.forks.some((f) => f.args[0] === 'encode')).toBe(true);
    expect(probeFrames(out)).toBe(13);
    // x264 is deterministic for the same input and settings: the system's FFmpeg decodes identical frames from both files.
    expect((await ffmpegRgb(out)).equals(await ffmpegRgb(reference))).toBe(true);
    expect(main.utility.alive.size).toBe(0);
  });

  it("a bad file fails with the same code and message as under plain Node (FFmpeg's messages read through the pipe)", async () => {
    // FFmpeg names its contexts by address ("[mov,mp4,… @ 0x5c66d40]"), which differs from process to process.
    const addressFree = (m: string) => m.replace(/ @ 0x[0-9a-f]+\]/g, ']');
    setProcessLauncher(null);
    const plainErr = await expectVideoError(probeVideo(bad), 'corrupt', /moov atom not found/);
    setProcessLauncher(main.engineSide);
    const utilityErr = await expectVideoError(probeVideo(bad), 'corrupt');
    expect(addressFree(utilityErr.message)).toBe(addressFree(plainErr.message));
  });

  it('cancel mid-decode stops the utility process and reports a cancel', async () => {
    const long = await makeClip('utility-long.mp4', 'testsrc2=size=320x240:rate=25', 120, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
    setProcessLauncher(main.engineSide);
    const ac = new AbortController();
    const run = decodeVideo(long, { frames: 117, signal: ac.signal, onProgress: (done) => done >= 5 && ac.abort() });
    await expectVideoError(run, 'cancelled');
    expect(main.utility.alive.size).toBe(0);
    expect(main.relay.running).toBe(0);
  });

  it('a utility process that crashes (SIGSEGV) mid-decode is reported as a crash with its signal', async () => {
    const long = await makeClip('utility-crash.mp4', 'testsrc2=size=320x240:rate=25', 120, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
    setProcessLauncher(main.engineSide);
    let killed = false;
    const run = decodeVideo(long, {
      frames: 117,
      onProgress: (done) => {
        if (killed || done < 3) return;
        const tool = [...main.utility.alive].find((p) => p.pid !== undefined);
        if (tool) {
          process.kill(tool.pid!, 'SIGSEGV');
          killed = true;
        }
      },
    });
    const err = await expectVideoError(run, 'tool_crashed');
    expect(killed).toBe(true);
    expect(err.message).toMatch(new RegExp(`^${avToolScript().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} crashed with SIGSEGV \\(signal 11\\) while decoding ${long}`));
    expect(main.utility.alive.size).toBe(0);
  });

  it('refuses a script the app does not ship, and says so', async () => {
    setProcessLauncher(main.engineSide);
    const launched = main.engineSide.launchNode({ script: '/tmp/evil.mjs', args: [], stdin: false, stdout: true });
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => launched.once('error', resolve));
    expect(err).toMatchObject({ code: 'EACCES', message: '/tmp/evil.mjs is not a script this app starts' });
    expect(main.utility.forks.some((f) => f.modulePath === '/tmp/evil.mjs')).toBe(false);
  });

  it('leaves no process behind', () => {
    expect(childProcesses().filter((p) => p.name === 'node')).toEqual([]);
  });
});

describe('exit status of an unannounced end (what Electron reports)', () => {
  it('reads a POSIX raw wait status as the signal of a crash, 0 as an end without finishing, and other codes as codes', () => {
    expect(unannouncedEnd(11, 'linux')).toEqual({ code: null, signal: 'SIGSEGV' });
    expect(unannouncedEnd(11 | 0x80, 'linux')).toEqual({ code: null, signal: 'SIGSEGV' });
    expect(unannouncedEnd(6, 'darwin')).toEqual({ code: null, signal: 'SIGABRT' });
    expect(unannouncedEnd(9, 'linux')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(unannouncedEnd(0, 'linux')).toEqual({ code: null, signal: null });
    // Node's own failure to load a module exits 1: not a signal.
    expect(unannouncedEnd(1, 'linux')).toEqual({ code: 1, signal: null });
    expect(unannouncedEnd(0xc0000005, 'win32')).toEqual({ code: 0xc0000005, signal: null });
  });

});
