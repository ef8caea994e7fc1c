import { escapeControl } from '../engine/checkpoint/clip-text';

/** A progress bar on stderr; silent when stderr is not a terminal unless forced, never on stdout. */
export interface ProgressSink {
  (done: number, total: number, label?: string): void;
}

export function progressBar(label: string, opts: { force?: boolean } = {}): ProgressSink & { finish(): void } {
  const tty = process.stderr.isTTY || opts.force || process.env.WFVAE_PROGRESS === '1';
  let last = '';
  let lastAt = 0;
  const sink = ((done: number, total: number, sub?: string) => {
    if (!tty) return;
    const now = Date.now();
    if (done < total && now - lastAt < 100) return;
    lastAt = now;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const width = 28;
    const filled = Math.round(frac * width);
    const line = `${escapeControl(label)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total}${sub ? ` ${escapeControl(sub)}` : ''}`;
    if (line !== last) {
      process.stderr.write(`\r${line}\x1b[K`);
      last = line;
    }
  }) as ProgressSink & { finish(): void };
  sink.finish = () => {
    if (tty && last) process.stderr.write('\n');
    last = '';
  };
  return sink;
}
