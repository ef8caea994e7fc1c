// Property-based fuzzing (fast-check, fixed seeds, so every run tries the same
// cases) of everything a user hands the app: safetensors files (length
// prefix, JSON header, dtypes, shapes, offsets, truncation, flipped bytes),
// config.json fields, checkpoint/config pairs through the whole conversion,
// and damaged videos through the engine and the real CLI. The property: a
// clear one-line error that names what is wrong, or success; never a stack
// trace, a hang, a crash, or a partial file left behind.
//
// Cases: 800 safetensors + 800 configs (in-process, fast) + 16 conversions +
// 8 videos in-process + 2 CLI runs = 1626.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, modelFacts, normLayers, parseModelConfig, SafetensorsFile, writeSafetensors } from '../../../src/engine/checkpoint';
import { convertCheckpoint } from '../../../src/engine/onnx/convert';
import { decodeVideo, probeVideo, VideoError } from '../../../src/engine/video/index';
import { MUTATIONS, seeded } from '../../helpers/broken-videos';
import { FIXTURE_FFMPEG } from '../../helpers/fixture-ffmpeg';
import { makeRandomCheckpoint } from '../../helpers/random-checkpoint';

const SEED = 20261127;
const work = mkdtempSync(join(tmpdir(), 'wfvae-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A user-facing message: one line, bounded, no stack frames, no JS internals leaking through. */
function expectClearMessage(message: string, mustName?: string): void {
  expect(message, message.slice(0, 300)).not.toMatch(/\n/);
  expect(message.length, message.slice(0, 300)).toBeLessThanOrEqual(2000);
  expect(message).not.toMatch(/Maximum call stack|is not a function|Cannot read prop|\[object Object\]|undefined is not|^\s*at /);
  if (mustName) expect(message).toContain(mustName);
}

// ---- safetensors ----

interface Header {
  [name: string]: unknown;
}

const BASE_TENSORS = [
  { name: 'encoder.conv_in.weight', dtype: 'F32', shape: [4, 3, 3, 3], bytes: 4 },
  { name: 'encoder.conv_in.bias', dtype: 'F16', shape: [4], bytes: 2 },
  { name: 'decoder.norm_out.weight', dtype: 'BF16', shape: [2, 2], bytes: 2 },
  { name: 'scalar', dtype: 'F32', shape: [], bytes: 4 },
];

function baseFile(): { header: Header; data: Buffer } {
  const header: Header = { __metadata__: { format: 'pt' } };
  let off = 0;
  const chunks: Buffer[] = [];
  for (const t of BASE_TENSORS) {
    const n = t.shape.reduce((a, b) => a * b, 1) * t.bytes;
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + n] };
    // Values 0..n: finite in every dtype.
    chunks.push(Buffer.alloc(n, 0x3c));
    off += n;
  }
  return { header, data: Buffer.concat(chunks) };
}

function assemble(headerText: string, data: Buffer, lengthField?: bigint): Buffer {
  const h = Buffer.from(headerText, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(lengthField ?? BigInt(h.length));
  return Buffer.concat([prefix, h, data]);
}

const oddValue = fc.oneof(
  fc.integer({ min: -2, max: 300 }),
  fc.constantFrom(1e9, 2 ** 53, -1e12, 0.5, Number.MAX_SAFE_INTEGER + 2, 1e300),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('x'.repeat(200_000), '', 'F32', 'BF16', 'F64', 'I64', 'BOOL', 'F8_E4M3'),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer({ min: -3, max: 64 }), { maxLength: 6 }),
  fc.array(fc.constantFrom(1, 1e15, -1, 0.5, 'a'), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
);

type FileMutation =
  | { kind: 'length'; value: bigint }
  | { kind: 'field'; tensor: number; field: 'dtype' | 'shape' | 'data_offsets' | 'entry'; value: unknown }
  | { kind: 'delete'; tensor: number; field: 'dtype' | 'shape' | 'data_offsets' | 'entry' }
  | { kind: 'offsets'; tensor: number; begin: number; end: number }
  | { kind: 'name'; tensor: number; name: string }
  | { kind: 'nest'; depth: number }
  | { kind: 'metadata'; value: unknown }
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; flips: [number, number][] }
  | { kind: 'text'; cut: number; insert: string };

const tensorIndex = fc.nat({ max: BASE_TENSORS.length - 1 });
const fileMutation: fc.Arbitrary<FileMutation> = fc.oneof(
  fc.record({ kind: fc.constant('length' as const), value: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(0n, 1n, 2n, 7n, 100n * 1024n * 1024n + 1n)) }),
  fc.record({ kind: fc.constant('field' as const), tensor: tensorIndex, field: fc.constantFrom('dtype' as const, 'shape' as const, 'data_offsets' as const, 'entry' as const), value: oddValue }),
  fc.record({ kind: fc.constant('delete' as const), tensor: tensorIndex, field: fc.constantFrom('dtype' as const, 'shape' as const, 'data_offsets' as const, 'entry' as const) }),
  fc.record({ kind: fc.constant('offsets' as const), tensor: tensorIndex, begin: fc.integer({ min: -10, max: 400 }), end: fc.integer({ min: -10, max: 400 }) }),
  fc.record({ kind: fc.constant('name' as const), tensor: tensorIndex, name: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('n'.repeat(1_000_000), '__metadata__', '\u0000', '"', 'scalar')) }),
  fc.record({ kind: fc.constant('nest' as const), depth: fc.integer({ min: 1, max: 200_000 }) }),
  fc.record({ kind: fc.constant('metadata' as const), value: oddValue }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat({ max: 600 }) }),
  fc.record({ kind: fc.constant('flip' as const), flips: fc.array(fc.tuple(fc.nat({ max: 700 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('text' as const), cut: fc.nat({ max: 400 }), insert: fc.constantFrom('', '{', '}', ']', ',', '"', '\\', '\uFFFD', 'null', '[[[[') }),
);

/** Header edits apply in order to the JSON object; byte-level ones then to the assembled file. */
function mutatedFile(ms: FileMutation[]): Buffer {
  const { header, data } = baseFile();
  let bytes: Buffer | undefined;
  for (const m of ms) bytes = applyMutation(m, header, data, bytes);
  return bytes ?? assemble(JSON.stringify(header), data);
}

function applyMutation(m: FileMutation, header: Header, data: Buffer, bytes: Buffer | undefined): Buffer | undefined {
  const names = BASE_TENSORS.map((t) => t.name);
  const entry = (i: number): Record<string, unknown> => {
    const e = header[names[i]];
    if (typeof e === 'object' && e !== null && !Array.isArray(e)) return e as Record<string, unknown>;
    return (header[names[i]] = {}) as Record<string, unknown>;
  };
  const current = () => bytes ?? assemble(JSON.stringify(header), data);
  switch (m.kind) {
    case 'length': {
      const b = Buffer.from(current());
      if (b.length >= 8) b.writeBigUInt64LE(m.value);
      return b;
    }
    case 'field':
      if (m.field === 'entry') header[names[m.tensor]] = m.value;
      else entry(m.tensor)[m.field] = m.value;
      break;
    case 'delete':
      if (m.field === 'entry') delete header[names[m.tensor]];
      else delete entry(m.tensor)[m.field];
      break;
    case 'offsets':
      entry(m.tensor).data_offsets = [m.begin, m.end];
      break;
    case 'name': {
      const e = header[names[m.tensor]];
      delete header[names[m.tensor]];
      header[m.name] = e;
      break;
    }
    case 'nest':
      return assemble(`{"a": ${'['.repeat(m.depth)}${']'.repeat(m.depth)}}`, data);
    case 'metadata':
      header.__metadata__ = m.value;
      break;
    case 'truncate':
      return current().subarray(0, m.at);
    case 'flip': {
      const b = Buffer.from(current());
      if (b.length) for (const [at, x] of m.flips) b[at % b.length] ^= x;
      return b;
    }
    case 'text': {
      const text = JSON.stringify(header);
      const at = m.cut % text.length;
      return assemble(text.slice(0, at) + m.insert + text.slice(at + 1), data);
    }
  }
  return bytes;
}

// ---- configs ----

const KEYS_V1 = ['latent_dim', 'base_channels', 'encoder_num_resblocks', 'decoder_num_resblocks', 'encoder_energy_flow_hidden_size', 'decoder_energy_flow_hidden_size', 'connect_res_layer_num', 'use_attention', 'norm_type', 't_interpolation', 'dropout', 'scale', 'attention_type', 'l1_dowmsample_block'];
const KEYS_V2 = ['latent_dim', 'base_channels', 'decoder_base_channels', 'layer_type', 'layer_res_type', 'encoder_num_resblocks', 'decoder_num_resblocks', 'encoder_energy_flow_size', 'decoder_energy_flow_size', 'mid_layers_type', 'norm_type', 'input_type'];
const configValue = fc.oneof(
  oddValue,
  fc.constantFrom(1e9, 1e6, 65, 4097, 257, 0, -1, 32, 64, 4096, 2 ** 31),
  fc.array(fc.oneof(fc.integer({ min: -1, max: 5000 }), fc.constantFrom('hw', 'thw', 'ResnetBlock3D', 'AttnBlock3DFix')), { maxLength: 20 }),
  fc.constantFrom(Array(100_000).fill(1), Array(3).fill(1e9), deeplyNested(200_000)),
);

/** [[[...]]] `depth` levels deep, built without recursion (as JSON.parse builds it from a file). */
function deeplyNested(depth: number): unknown[] {
  const root: unknown[] = [];
  let at = root;
  for (let i = 1; i < depth; i++) {
    const next: unknown[] = [];
    at.push(next);
    at = next;
  }
  return root;
}
const configCase = fc.record({
  cls: fc.constantFrom('WFVAEModel', 'WFVAE2Model', 'Other', undefined),
  sets: fc.array(fc.tuple(fc.nat({ max: 13 }), configValue), { maxLength: 4 }),
  unknown: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
});

describe('fuzz: checkpoints', () => {
  it('800 mutated safetensors files: a clear error naming the file, or a file whose every tensor reads', async () => {
    const path = join(work, 'fuzz.safetensors');
    let opened = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fileMutation, { minLength: 1, maxLength: 3 }), async (ms) => {
        writeFileSync(path, mutatedFile(ms));
        let file: SafetensorsFile | undefined;
        try {
          file = await SafetensorsFile.open(path);
          for (const name of file.entries.keys()) await file.readF32(name);
          opened++;
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(CheckpointError);
          expectClearMessage((e as Error).message, path);
        } finally {
          await file?.close();
        }
      }),
      { seed: SEED, numRuns: 800 },
    );
    // Some mutations (a changed name, metadata) leave a valid file: the property is not vacuous.
    expect(opened).toBeGreaterThan(0);
  });

  it('800 mutated configs: a clear error naming the file, or a config whose model can be laid out', () => {
    let valid = 0;
    fc.assert(
      fc.property(configCase, ({ cls, sets, unknown }) => {
        const json: Record<string, unknown> = cls === undefined ? {} : { _class_name: cls };
        const keys = cls === 'WFVAE2Model' ? KEYS_V2 : KEYS_V1;
        for (const [k, v] of sets) json[keys[k % keys.length]] = v;
        if (unknown !== undefined) json[unknown] = 1;
        try {
          const cfg = parseModelConfig(json, 'fuzz/config.json');
          expect(normLayers(cfg).length).toBeLessThan(10_000);
          expect([4, 8]).toContain(modelFacts(cfg).temporalCompression);
          valid++;
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(CheckpointError);
          expectClearMessage((e as Error).message, 'fuzz/config.json');
        }
      }),
      { seed: SEED + 1, numRuns: 800 },
    );
    expect(valid).toBeGreaterThan(0);
  });

  describe('config/weights pairs through the whole conversion', () => {
    const BASE = {
      _class_name: 'WFVAEModel', base_channels: 8, latent_dim: 4, encoder_energy_flow_hidden_size: 8, decoder_energy_flow_hidden_size: 8,
      encoder_num_resblocks: 1, decoder_num_resblocks: 1, connect_res_layer_num: 1, norm_type: 'layernorm', use_attention: false,
    };
    const ckpt = join(work, 'ckpt');
    const cache = join(work, 'cache');
    beforeAll(async () => {
      await makeRandomCheckpoint(ckpt, BASE, 3);
    });

    it('16 checkpoints with mutated config fields or dropped/renamed/reshaped weights: clear error or a converted model, and no partial folder', async () => {
      const weights = join(ckpt, 'diffusion_pytorch_model.safetensors');
      const original = readFileSync(weights);
      const names = [...(await SafetensorsFile.open(weights).then(async (f) => { const n = [...f.entries.keys()]; await f.close(); return n; }))];
      const change = fc.oneof(
        fc.record({ key: fc.constantFrom('base_channels', 'latent_dim', 'encoder_num_resblocks', 'decoder_num_resblocks', 'connect_res_layer_num', 'encoder_energy_flow_hidden_size'), value: fc.constantFrom(0, 2, 4, 16, 33) }),
        fc.record({ key: fc.constantFrom('use_attention'), value: fc.boolean() }),
        fc.record({ drop: fc.nat({ max: names.length - 1 }), rename: fc.boolean() }),
      );
      let converted = 0;
      await fc.assert(
        fc.asyncProperty(change, async (c) => {
          writeFileSync(weights, original);
          const config: Record<string, unknown> = { ...BASE };
          if ('key' in c) config[c.key] = c.value;
          else {
            const f = await SafetensorsFile.open(weights);
            const tensors = [];
            for (const n of names) {
              if (n === names[c.drop] && !c.rename) continue;
              tensors.push({ name: n === names[c.drop] ? `${n}.renamed` : n, data: await f.readF32(n), shape: [...f.entries.get(n)!.shape] });
            }
            await f.close();
            await writeSafetensors(weights, tensors);
          }
          writeFileSync(join(ckpt, 'config.json'), JSON.stringify(config));
          try {
            await convertCheckpoint(ckpt, { cacheDir: cache, force: true });
            converted++;
          } catch (e) {
            expect(e, String(e)).toBeInstanceOf(CheckpointError);
            expectClearMessage((e as Error).message);
          }
          expect(readdirSync(cache).filter((n) => n.startsWith('.') || n.includes('.old-'))).toEqual([]);
        }),
        { seed: SEED + 2, numRuns: 16 },
      );
      writeFileSync(weights, original);
      expect(converted).toBeGreaterThan(0);
    });
  });
});

describe('fuzz: videos', () => {
  const src = join(work, 'src.mp4');
  beforeAll(() => {
    mkdirSync(work, { recursive: true });
    spawnSync(FIXTURE_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=12', '-frames:v', '13', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', src]);
  });

  it('8 damaged videos through probe and decode: success or a one-line VideoError, never a crash', async () => {
    const bytes = readFileSync(src);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: MUTATIONS.length - 1 }), fc.nat({ max: 1e6 }), async (mi, seed) => {
        const file = join(work, `damaged-${mi}-${seed}.mp4`);
        writeFileSync(file, MUTATIONS[mi].apply(bytes, seeded(seed)));
        try {
          await probeVideo(file, { timeoutMs: 30_000 });
          const clip = await decodeVideo(file, { frames: 9, timeoutMs: 30_000 });
          expect(clip.shape[0]).toBe(3);
        } catch (e) {
          expect(e, String(e)).toBeInstanceOf(VideoError);
          expect((e as VideoError).code).not.toBe('tool_crashed');
          expectClearMessage((e as Error).message);
        }
      }),
      { seed: SEED + 3, numRuns: 8 },
    );
  });

  it('2 damaged videos through the real CLI: exit 0 with every file, or one "wfvae: error:" line and nothing written', async () => {
    const bytes = readFileSync(src);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: MUTATIONS.length - 1 }), fc.nat({ max: 1e6 }), async (mi, seed) => {
        const file = join(work, `cli-${mi}-${seed}.mp4`);
        writeFileSync(file, MUTATIONS[mi].apply(bytes, seeded(seed)));
        const out = join(work, `out-${mi}-${seed}`);
        const r = spawnSync(process.execPath, ['bin/wfvae.mjs', 'subbands', file, '--levels', '2', '--frames', '9', '--out', out], { encoding: 'utf8', timeout: 90_000 });
        expect(r.signal).toBeNull();
        expect(r.stderr).not.toMatch(/^\s+at /m);
        if (r.status === 0) {
          expect(readdirSync(out).sort()).toEqual(['energy.json', 'level-1.png', 'level-2.png']);
        } else {
          expect(r.status).toBe(1);
          const lines = r.stderr.split('\n').filter((l) => l.startsWith('wfvae: error: '));
          expect(lines).toHaveLength(1);
          expectClearMessage(lines[0]);
          expect(readdirSync(work).includes(`out-${mi}-${seed}`) ? readdirSync(out) : []).toEqual([]);
        }
      }),
      { seed: SEED + 4, numRuns: 2 },
    );
  });
});
