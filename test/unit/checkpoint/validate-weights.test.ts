// The weight inventory check: every missing, unexpected and misshaped weight
// is reported in one error, with the full list in details.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile, validateWeights, writeSafetensors } from '../../../src/engine/checkpoint';
import { expectCheckpointError, GOLDENS, hasGoldens, tempDir } from './helpers';
import { NO_SHARED_GOLDENS } from '../../helpers/shared-goldens';

async function fileWith(tensors: [string, number[]][]): Promise<SafetensorsFile> {
  const path = join(await tempDir(), 'w.safetensors');
  await writeSafetensors(path, tensors.map(([name, shape]) => ({ name, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) })));
  return SafetensorsFile.open(path);
}

describe('validateWeights', () => {
  it('passes when names and shapes match exactly', async () => {
    const f = await fileWith([['a.weight', [4, 3, 3, 3]], ['a.bias', [4]]]);
    expect(() => validateWeights(new Map([['a.weight', [4, 3, 3, 3]], ['a.bias', [4]]]), f)).not.toThrow();
    await f.close();
  });

  it('missing weights are listed with their expected shapes', async () => {
    const f = await fileWith([['a.weight', [4, 3]]]);
    const expected = new Map<string, number[]>([['a.weight', [4, 3]], ['a.bias', [4]], ['b.weight', [2, 2, 1, 1, 1]]]);
    const err = await expectCheckpointError(() => validateWeights(expected, f));
    await f.close();
    expect(err.code).toBe('missing_weights');
    expect(err.message).toContain('2 missing weights (name and expected shape): a.bias [4], b.weight [2, 2, 1, 1, 1]');
    expect(err.details).toEqual(['missing: a.bias [4]', 'missing: b.weight [2, 2, 1, 1, 1]']);
  });

  it('unexpected weights are listed, and allowExtra can admit them', async () => {
    const f = await fileWith([['a.weight', [1]], ['loss.disc.weight', [2]], ['ema.a.weight', [1]]]);
    const expected = new Map<string, number[]>([['a.weight', [1]]]);
    const err = await expectCheckpointError(() => validateWeights(expected, f));
    expect(err.code).toBe('unexpected_weights');
    expect(err.message).toContain('2 unexpected weights: loss.disc.weight, ema.a.weight');
    expect(() => validateWeights(expected, f, { allowExtra: (n) => n.startsWith('loss.') || n.startsWith('ema.') })).not.toThrow();
    await f.close();
  });

  it('shape mismatches give expected vs found', async () => {
    const f = await fileWith([['conv.weight', [8, 4, 3, 3, 3]], ['norm.weight', [8]]]);
    const err = await expectCheckpointError(() => validateWeights(new Map([['conv.weight', [16, 4, 3, 3, 3]], ['norm.weight', [8]]]), f));
    await f.close();
    expect(err.code).toBe('shape_mismatch');
    expect(err.message).toContain('1 shape mismatch: conv.weight: expected [16, 4, 3, 3, 3], found [8, 4, 3, 3, 3]');
    expect(err.message).toContain('check that config.json belongs to this checkpoint');
  });

  it('all three kinds at once; missing wins the code; message capped, details complete', async () => {
    const present: [string, number[]][] = Array.from({ length: 30 }, (_, i) => [`extra.${i}`, [1]]);
    present.push(['shared', [3]]);
    const f = await fileWith(present);
    const expected = new Map<string, number[]>(Array.from({ length: 25 }, (_, i) => [`want.${i}`, [i + 1]]));
    expected.set('shared', [4]);
    const err = await expectCheckpointError(() => validateWeights(expected, f));
    await f.close();
    expect(err.code).toBe('missing_weights');
    expect(err.message).toContain('25 missing weights');
    expect(err.message).toContain('... and 17 more');
    expect(err.message).toContain('1 shape mismatch: shared: expected [4], found [3]');
    expect(err.message).toContain('30 unexpected weights');
    expect(err.details).toHaveLength(25 + 1 + 30);
    expect(err.details).toContain('missing: want.24 [25]');
    expect(err.details).toContain('unexpected: extra.29');
  });
});

describe.skipIf(!hasGoldens)(`validateWeights on a golden checkpoint${NO_SHARED_GOLDENS}`, () => {
  it('a config with other widths than the file is caught by name', async () => {
    const file = await SafetensorsFile.open(join(GOLDENS, 'wfvae-l-tiny', 'diffusion_pytorch_model.safetensors'));
    try {
      const exact = new Map([...file.entries.values()].map((e) => [e.name, e.shape] as const));
      expect(() => validateWeights(exact, file)).not.toThrow();
      // What a graph built for use_attention=false and base_channels 32 would ask for.
      const wrong = new Map([...exact].filter(([n]) => !n.startsWith('encoder.mid.1.')).map(([n, s]) => [n, n === 'encoder.norm_out.norm.weight' ? [128] : s]));
      wrong.set('encoder.mid.1.norm1.norm.weight', [64]);
      const err = await expectCheckpointError(() => validateWeights(wrong, file));
      expect(err.code).toBe('missing_weights');
      expect(err.message).toContain('encoder.mid.1.norm1.norm.weight [64]');
      expect(err.details).toContain('shape: encoder.norm_out.norm.weight: expected [128], found [64]');
      expect(err.details?.filter((d) => d.startsWith('unexpected: encoder.mid.1.'))).toEqual(
        [...file.entries.keys()].filter((n) => n.startsWith('encoder.mid.1.')).map((n) => `unexpected: ${n}`),
      );
    } finally {
      await file.close();
    }
  });
});
