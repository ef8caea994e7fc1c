import type { Command } from '../../hosting/command';
import { Flags, parseArgs } from '../../hosting/args';
import { UsageError } from '../../hosting/errors';
import { conversionProgress, resolveModelArg, withInterrupt } from '../model-arg';
import { convertCheckpoint } from '../../engine/onnx/convert';

const help = `usage: wfvae convert <checkpoint> [--out DIR] [--force] [--json]

Converts a WF-VAE checkpoint (a folder with config.json and
diffusion_pytorch_model.safetensors, the .safetensors path, or a Hugging
Face id org/name[@revision][:subfolder], read from the shared Hugging Face
cache or downloaded into it) into ONNX
graphs: encoder.onnx, decoder.onnx, their shared weights.bin and
manifest.json. Every weight is checked against what config.json implies;
missing, unexpected or misshaped weights are listed by name.

Results are cached by the checkpoint's SHA-256 under $WFVAE_CACHE_DIR,
$XDG_CACHE_HOME/wfvae-inspector/graphs or ~/.cache/wfvae-inspector/graphs;
converting the same checkpoint again returns at once.

  --out DIR    write the converted folder here instead of the cache
  --force      convert again even when a converted copy exists
  --json       print the manifest summary as JSON on stdout`;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export const convertCommand: Command = {
  name: 'convert',
  help,
  async run(argv) {
    const flags = new Flags(parseArgs(argv, new Set(['json', 'force'])));
    const json = flags.bool('json');
    const force = flags.bool('force');
    const outDir = flags.string('out');
    flags.assertAllUsed();
    if (flags.positionals.length !== 1) throw new UsageError(`convert takes one checkpoint path (got ${flags.positionals.length}); usage: wfvae convert <checkpoint> [--out DIR]`);
    const t0 = performance.now();
    const progress = conversionProgress();
    const model = await withInterrupt(async (signal) => {
      const path = await resolveModelArg(flags.positionals[0], signal, json);
      return convertCheckpoint(path, { outDir, force, signal, onProgress: progress.onProgress });
    }).finally(() => progress.finish());
    const seconds = (performance.now() - t0) / 1000;
    const m = model.manifest;
    if (json) {
      const graphs = Object.fromEntries(Object.entries(m.graphs).map(([role, g]) => [role, { file: g.file, nodes: g.nodes, outputs: g.outputs, taps: g.taps }]));
      process.stdout.write(`${JSON.stringify({ dir: model.dir, cached: model.cached, seconds, sha256: m.sha256, className: m.className, parameterCount: m.parameterCount, weightsBytes: m.weightsBytes, facts: m.facts, graphs, timings: m.timings }, null, 2)}\n`);
      return;
    }
    const rows: [string, string][] = [
      ['output', model.dir],
      ['status', model.cached ? 'already converted (cache hit)' : `converted in ${seconds.toFixed(2)} s`],
      ['model', `${m.className}, ${(m.parameterCount / 1e6).toFixed(2)} M parameters, weights.bin ${mb(m.weightsBytes)}`],
      ['latent', `${m.facts.latentChannels} channels, ${m.facts.temporalCompression}x time, ${m.facts.spatialCompression}x space`],
      ['sha256', m.sha256],
    ];
    for (const [role, g] of Object.entries(m.graphs)) rows.push([role, `${g.file}: ${g.nodes} nodes, taps ${g.taps.map((t) => t.name).join(', ') || 'none'}`]);
    if (!m.facts.causalSafe) rows.push(['note', `${m.facts.timeMixing}: chunked inference cannot equal whole-clip`]);
    process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(8)} ${v}`).join('\n')}\n`);
  },
};
