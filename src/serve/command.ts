import type { Command } from '../hosting/command';
import { Flags, parseArgs } from '../hosting/args';
import { UsageError } from '../hosting/errors';
import { progressBar } from '../hosting/progress';
import { onTerminationSignal, signalExitCode, type TerminationSignal } from '../hosting/interrupt';
import { createSourceSession } from '../engine/session/source-worker';
import { sweepOwnedTempDirs } from '../engine/fs/owned-temp';
import { startServeServer } from './server';
import { requireWebRoot } from './web-root';
import { openInBrowser } from './open-browser';

/** A shutdown (server closed, engine workers stopped, uploads removed) takes well under a second; past this it is stuck. */
const SHUTDOWN_LIMIT_MS = 15_000;

const help = `usage: wfvae serve [video] [--model M] [--port P] [--jobs N] [--no-open]

Serves the app's UI to a browser on this machine (127.0.0.1 only), backed by
the same engine as the desktop app. The printed URL carries a one-time token;
requests without it are refused.

  video        open this file at start, so the page shows it
  --model M    load this model at start (a checkpoint folder with config.json
               and diffusion_pytorch_model.safetensors, a converted folder, or
               a Hugging Face id org/name[@revision][:subfolder], from the
               shared Hugging Face cache or downloaded into it); it is the
               model the page uses by default (otherwise the bundled demo model)
  --port P     port to listen on (default: a free one)
  --jobs N     heavy jobs (decode, model load, reconstruct, compare) that may
               run at once (default 1); the others wait in line, their place
               shown in the page
  --no-open    print the URL but do not start a browser

Needs the web UI built once: npm run build:renderer`;

export const serveCommand: Command = {
  name: 'serve',
  help,
  async run(argv) {
    const flags = new Flags(parseArgs(argv, new Set(['no-open'])));
    const port = flags.int('port', { min: 0, max: 65535 }) ?? 0;
    const noOpen = flags.bool('no-open');
    const model = flags.string('model');
    const heavyJobs = flags.int('jobs', { min: 1, max: 16 }) ?? 1;
    flags.assertAllUsed();
    if (flags.positionals.length > 1) throw new UsageError(`serve takes at most one video (got ${flags.positionals.length})`);
    const video = flags.positionals[0];
    const staticDir = requireWebRoot();
    // Uploads and results a server killed outright (SIGKILL, the OOM killer) left in the temp folder.
    await sweepOwnedTempDirs();

    const session = createSourceSession({ heavyJobs });
    if (video) {
      const bar = progressBar('decoding');
      const off = session.onEvent((e) => {
        if (e.type === 'progress') bar(e.done, e.total);
      });
      try {
        const clip = await session.openVideo({ taskId: 'serve-initial', source: { kind: 'path', path: video } });
        bar.finish();
        process.stderr.write(`opened ${clip.name}: ${clip.frames} frames ${clip.width}x${clip.height}\n`);
      } catch (err) {
        bar.finish();
        await session.dispose();
        throw new UsageError(`cannot open ${video}: ${(err as Error).message}`, 1);
      } finally {
        off();
      }
    }

    if (model) {
      // One line per phase; a download or a check also gets a bar (megabytes).
      let phase = '';
      let bar: ReturnType<typeof progressBar> | undefined;
      const off = session.onEvent((e) => {
        if (e.type !== 'progress' || e.taskId !== 'serve-model') return;
        if (e.phase !== phase) {
          bar?.finish();
          bar = undefined;
          phase = e.phase;
          if (/^(downloading|checking) /.test(phase)) bar = progressBar(`model: ${phase}`);
          else process.stderr.write(`model: ${phase}\n`);
        }
        bar?.(Math.round(e.done / 1e6), Math.round(e.total / 1e6), 'MB');
      });
      try {
        const info = await session.loadModel({ taskId: 'serve-model', path: model });
        const h = info.hub;
        if (h) process.stderr.write(`model: ${info.path} at commit ${h.commit.slice(0, 12)}, ${h.fromCache ? 'from the Hugging Face cache' : `downloaded ${(h.downloadedBytes / 1e6).toFixed(1)} MB into the Hugging Face cache`} (${h.snapshot})\n`);
        process.stderr.write(`loaded ${info.className} (${info.parameterCount.toLocaleString('en-US')} parameters) on ${info.provider}\n`);
      } catch (err) {
        await session.dispose();
        throw new UsageError(`cannot load the model ${model}: ${(err as Error).message}`, 1);
      } finally {
        bar?.finish();
        off();
      }
    }

    let server;
    try {
      server = await startServeServer({ session, staticDir, port });
    } catch (err) {
      await session.dispose();
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use: pick another with --port, or omit it for a free one`, 1);
      throw err;
    }
    process.stdout.write(`WF-VAE Inspector is serving at ${server.url}\n`);
    process.stderr.write('Press Ctrl+C to stop.\n');
    if (!noOpen) openInBrowser(server.url);

    const srv = server;
    // One handler for SIGINT, SIGTERM and SIGHUP (repeats within a moment are one signal, as the
    // launcher forwards what a terminal also sends); the exit status says which stopped it.
    const sig = await new Promise<TerminationSignal>((resolve) => {
      const off = onTerminationSignal((s) => {
        process.stderr.write(`\n${s}: shutting down\n`);
        // From here the exit status is the signal's, however the process ends: were the event loop to run
        // dry while a step of the shutdown still waits (a worker's exit, a socket's close), Node would
        // otherwise exit 0 and a supervisor would read a clean stop. The watchdog keeps the loop alive
        // until every step is done, and ends a shutdown that hangs.
        process.exitCode = signalExitCode(s);
        const watchdog = setTimeout(() => {
          process.stderr.write(`wfvae serve: the shutdown took over ${SHUTDOWN_LIMIT_MS / 1000} s; exiting without finishing it\n`);
          process.exit(signalExitCode(s));
        }, SHUTDOWN_LIMIT_MS);
        void Promise.allSettled([srv.close(), session.dispose()]).then((results) => {
          for (const r of results) if (r.status === 'rejected') process.stderr.write(`wfvae serve: while shutting down: ${(r.reason as Error)?.message ?? String(r.reason)}\n`);
          clearTimeout(watchdog);
          off();
          resolve(s);
        });
      });
    });
    return signalExitCode(sig);
  },
};
