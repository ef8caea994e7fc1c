// wfvae doctor: a checkpoint's health report.
import type { Command } from '../../hosting/command';
import { Flags, parseArgs } from '../../hosting/args';
import { UsageError } from '../../hosting/errors';
import { progressBar } from '../../hosting/progress';
import { readProviderFlags, resolveModelArg, withInterrupt } from '../model-arg';
import { runDoctor, type DoctorReport } from '../../engine/doctor/doctor';

const HELP = `usage: wfvae doctor <checkpoint> [--json] [--provider P] [--threads N] [--no-parity] [--all-weights]

Examines a checkpoint (a folder with config.json and
diffusion_pytorch_model.safetensors, the .safetensors file, or a Hugging
Face id org/name[@revision][:subfolder] from the shared cache or the Hub):
  - its SHA-256 (the identity eval results record) and the weights file's own SHA-256
  - every weight's statistics, flagging NaN/Inf, all-zero tensors, values far
    outside their tensor's spread, layers whose scale is far from the others
    of their kind, and Haar filters that are no longer Haar filters
  - whether config.json describes the weights (missing, unexpected, misshaped
    tensors, and the sizes the weights themselves imply)
  - which released WF-VAE variant it resembles
  - a one-clip parity check between the CPU and a GPU provider (auto: the
    first that starts here; where none can, it says so and checks nothing)
Exits 1 when it finds problems (errors), 0 otherwise.

  --provider P     the GPU provider to compare with the CPU (default auto)
  --threads N      CPU threads for onnxruntime
  --no-parity      skip the parity check (no inference)
  --all-weights    list every weight's statistics, not only the flagged ones
  --json           the full report as JSON on stdout`;

const sig = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toPrecision(4));

function text(r: DoctorReport, allWeights: boolean): string {
  const out: string[] = [];
  out.push(`checkpoint  ${r.checkpoint}`);
  out.push(`sha256      ${r.sha256 ?? '(config.json unreadable)'}  (config.json + weights: the model identity in eval results)`);
  out.push(`weights     sha256 ${r.weightsFileSha256}, ${(r.file.bytes / 2 ** 20).toFixed(1)} MiB, ${r.file.tensors} tensors, ${r.file.parameters.toLocaleString('en-US')} parameters (${Object.entries(r.file.dtypes).map(([d, n]) => `${n} ${d}`).join(', ')})`);
  out.push(`class       ${r.config?.className ?? '–'}${r.config ? `, latent ${r.config.latent_dim} channels, norm ${r.config.norm_type}` : ''}`);
  if (r.variant) out.push(`resembles   ${r.variant.summary}`);
  if (r.consistency) {
    const c = r.consistency;
    out.push(`config      ${c.ok ? `describes the weights: all ${c.expectedTensors} tensors present with the right shapes` : `does NOT describe the weights: ${c.missing.length} missing, ${c.mismatched.length} misshaped, ${c.unexpected.length} unexpected`}`);
    for (const i of c.inferred) out.push(`            ${i.key}: config ${JSON.stringify(i.config)}, weights ${i.weights}${i.config === i.weights ? '' : '  <-- differs'}`);
  }
  if (r.parity) out.push(`parity      ${r.parity.status.toUpperCase()}: ${r.parity.message}`);
  out.push('', r.findings.length ? 'findings:' : 'findings: none');
  for (const f of r.findings) out.push(`  ${f.severity.padEnd(7)} ${f.message}`);
  const flagged = new Set(r.findings.map((f) => f.subject));
  const rows = r.weights.filter((w) => allWeights || flagged.has(w.name));
  if (rows.length) {
    out.push('', `${allWeights ? 'weights' : 'flagged weights'}: name, dtype, shape, mean, std, min, max, NaN, Inf, zeros`);
    for (const w of rows) out.push(`  ${w.name} ${w.dtype} [${w.shape.join(', ')}] ${sig(w.mean)} ${sig(w.std)} ${sig(w.min)} ${sig(w.max)} ${w.nan} ${w.inf} ${w.zeros}`);
  }
  out.push('', `verdict: ${r.verdict}`);
  return out.join('\n');
}

export const doctorCommand: Command = {
  name: 'doctor',
  help: HELP,
  async run(argv) {
    const flags = new Flags(parseArgs(argv, new Set(['json', 'no-parity', 'all-weights'])));
    const json = flags.bool('json');
    const noParity = flags.bool('no-parity');
    const allWeights = flags.bool('all-weights');
    const { provider, threads } = readProviderFlags(flags);
    flags.assertAllUsed();
    if (flags.positionals.length !== 1) throw new UsageError('doctor takes one checkpoint (a folder with config.json and diffusion_pytorch_model.safetensors)');
    return withInterrupt(async (signal) => {
      const checkpoint = await resolveModelArg(flags.positionals[0], signal, json);
      let bar = progressBar('hashing');
      let phase = 'hashing';
      const report = await runDoctor(checkpoint, {
        parity: !noParity,
        provider,
        threads,
        signal,
        onPhase: (ph, done, total) => {
          if (ph !== phase) {
            bar.finish();
            bar = progressBar(ph === 'weights' ? 'reading weights' : ph === 'parity' ? 'parity check' : ph);
            phase = ph;
          }
          bar(Math.round(done / 1e6), Math.round(total / 1e6), ph === 'weights' ? 'MB' : '');
        },
      }).finally(() => bar.finish());
      process.stdout.write(json ? `${JSON.stringify(report)}\n` : `${text(report, allWeights)}\n`);
      return report.verdict === 'problems' ? 1 : 0;
    });
  },
};
