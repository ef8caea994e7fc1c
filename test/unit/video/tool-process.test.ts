// The watchdog around every ffmpeg/ffprobe child, on real processes: a tool
// that goes quiet is killed as stalled, one that keeps printing progress is not.
import { describe, expect, it } from 'vitest';
import { ToolProcess } from '../../../src/engine/video/tool-process';
import { toolChildren } from './helpers';

const base = { what: 'testing the watchdog', envVar: 'WFVAE_FFMPEG' };

describe('ToolProcess watchdog', () => {
  it('kills a tool that shows no sign of life for stallMs, and reports a timeout', async () => {
    const proc = new ToolProcess('/bin/sh', ['-c', 'exec sleep 30'], { ...base, timeoutMs: 20_000, stallMs: 200 });
    const t0 = Date.now();
    try {
      await proc.wait(proc.exited);
    } finally {
      await proc.dispose();
    }
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(proc.killedFor).toBe('stalled');
    expect(proc.interruption()).toMatchObject({ code: 'timeout', message: expect.stringMatching(/stalled: ffmpeg showed no progress for 200 ms/) });
    expect(toolChildren()).toEqual([]);
  });

  it('progress lines on stderr keep a slow tool alive; they are not kept as messages', async () => {
    const script = 'for i in 1 2 3 4 5 6; do echo "frame=$i" >&2; sleep 0.1; done; echo "[h264] a real complaint" >&2';
    const proc = new ToolProcess('/bin/sh', ['-c', script], { ...base, timeoutMs: 20_000, stallMs: 400 });
    try {
      const { code } = await proc.wait(proc.exited);
      expect(code).toBe(0);
    } finally {
      await proc.dispose();
    }
    expect(proc.killedFor).toBeNull();
    expect(proc.messages).toEqual(['[h264] a real complaint']);
  });

  it('time the caller spends between reads does not count against the budget', async () => {
    const proc = new ToolProcess('/bin/sh', ['-c', 'echo first; sleep 0.6; echo second'], { ...base, timeoutMs: 400, stallMs: 400 });
    try {
      expect(String(await proc.wait(proc.read()))).toBe('first\n');
      // The tool sleeps 0.6 s here while we are not waiting on it: it must not be charged.
      await new Promise((r) => setTimeout(r, 700));
      expect(String(await proc.wait(proc.read()))).toBe('second\n');
      await proc.wait(proc.exited);
    } finally {
      await proc.dispose();
    }
    expect(proc.killedFor).toBeNull();
  });
});
