import type { Command } from '../../hosting/command';
import { Flags, parseArgs } from '../../hosting/args';
import { UsageError } from '../../hosting/errors';
import { withInterrupt } from '../../hosting/interrupt';
import { probeVideo, type VideoInfo } from '../../engine/video/index';

const help = `usage: wfvae info <video> [--json]

Prints what a video (or image) holds: size, frame count, frame rate, codec
and duration, as ffprobe reads them. The frame count is what really decodes
(the packets are read to the end, and decoded when fewer than the header
claims; cached per file): a truncated file says what its header claims beside
it. Reads mp4, mov, webm, mkv, avi, gif and images (an image is a 1-frame clip).

  --json       print the facts as one JSON object on stdout`;

function table(info: VideoInfo): string {
  const rows: [string, string][] = [
    ['file', info.path],
    ['kind', info.isImage ? 'image (1-frame clip)' : 'video'],
    ['size', `${info.width}x${info.height} (width x height)`],
    ['frames', info.claimedFrames != null && info.claimedFrames !== info.frames ? `${info.frames} decode (the container claims ${info.claimedFrames}: the file is truncated or damaged)` : String(info.frames)],
    ['fps', Number.isInteger(info.fps) ? String(info.fps) : info.fps.toFixed(3)],
    ['codec', info.codec],
    ['duration', `${info.durationSec.toFixed(3)} s`],
  ];
  return rows.map(([k, v]) => `${k.padEnd(9)} ${v}`).join('\n');
}

export const infoCommand: Command = {
  name: 'info',
  help,
  async run(argv) {
    const flags = new Flags(parseArgs(argv, new Set(['json'])));
    const json = flags.bool('json');
    flags.assertAllUsed();
    if (flags.positionals.length !== 1) throw new UsageError(`info takes one video path (got ${flags.positionals.length}); usage: wfvae info <video> [--json]`);
    // Ctrl-C (or SIGTERM, SIGHUP) stops ffprobe cleanly instead of leaving it to the terminal.
    await withInterrupt(async (signal) => {
      const info = await probeVideo(flags.positionals[0], { signal });
      process.stdout.write(json ? `${JSON.stringify(info, null, 2)}\n` : `${table(info)}\n`);
    });
  },
};
