// Subband energies of a multi-level Haar decomposition.
import { SUBBANDS_3D, type EnergyReport, type LevelEnergy } from '../../shared/subbands';
import type { HaarLevel } from './multilevel';

export const ENERGY_NOTE =
  'Energy = sum of squared coefficients. The causal Haar replicates the first frame once in front at every level, ' +
  'so with the orthonormal coefficient Parseval holds for that padded signal: a level\'s 8 subbands together hold ' +
  'the energy of its input plus that of the input\'s first frame once more. total is the level-1 coefficient energy; ' +
  'shareOfTotal divides by it, so deeper levels\' shares sum to slightly more than their parent LLL share. ' +
  'perFrame share is of that coefficient frame\'s energy over the level\'s 8 subbands.';

export function subbandEnergy(levels: readonly HaarLevel[]): EnergyReport {
  const perLevel = levels.map((lv) => {
    const [C, T, H, W] = lv.shape;
    const frameSize = H * W;
    const bands = SUBBANDS_3D.map((name) => {
      const data = lv.subbands[name].data;
      const perFrame = new Array<number>(T).fill(0);
      for (let c = 0; c < C; c++) {
        for (let t = 0; t < T; t++) {
          const base = (c * T + t) * frameSize;
          let s = 0;
          for (let i = 0; i < frameSize; i++) s += data[base + i] * data[base + i];
          perFrame[t] += s;
        }
      }
      return { name, perFrame, energy: perFrame.reduce((a, b) => a + b, 0) };
    });
    const frameTotals = new Array<number>(T).fill(0);
    for (const b of bands) b.perFrame.forEach((e, t) => (frameTotals[t] += e));
    const total = bands.reduce((a, b) => a + b.energy, 0);
    return { level: lv.level, T, bands, frameTotals, total };
  });
  const total = perLevel.length ? perLevel[0].total : 0;
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const out: LevelEnergy[] = perLevel.map((l) => ({
    level: l.level,
    frames: l.T,
    total: l.total,
    subbands: l.bands.map((b) => ({
      name: b.name,
      energy: b.energy,
      share: ratio(b.energy, l.total),
      shareOfTotal: ratio(b.energy, total),
      perFrame: b.perFrame.map((e, t) => ({ energy: e, share: ratio(e, l.frameTotals[t]) })),
    })),
  }));
  return { levels: out, total, note: ENERGY_NOTE };
}
