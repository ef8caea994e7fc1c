// LPIPS through a network the user exports to ONNX themselves (the AlexNet
// weights are not ours to ship). The interface is the one the reference's
// cal_lpips.py calls, lpips.LPIPS(net='alex', spatial=True)(original, reconstruction):
// two float inputs (N, 3, H, W) on [-1, 1], original first; one output whose
// mean over everything but N is the per-image distance ((N, 1, H, W) spatial
// maps or (N, 1, 1, 1)). The file's SHA-256 goes into every result so numbers
// from different exports are never mixed up.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createFirstSession, type ProviderName, type SessionSettings } from '../runtime/providers';
import type { Tensor } from '../tensor';

export interface LpipsInfo {
  file: string;
  sha256: string;
  inputs: string[];
  output: string;
}

export class LpipsNet {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly info: LpipsInfo,
    readonly provider: ProviderName,
  ) {}

  static async load(path: string, settings: SessionSettings = {}): Promise<LpipsNet> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new Error(`cannot read the LPIPS network ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); pass an .onnx file exported from lpips.LPIPS(net='alex', spatial=True) (see README, "LPIPS")`);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    let created;
    try {
      created = await createFirstSession(path, settings);
    } catch (err) {
      throw new Error(`${path} is not an ONNX network onnxruntime can load: ${(err as Error).message}`);
    }
    const { session } = created;
    if (session.inputNames.length !== 2 || session.outputNames.length < 1) {
      await session.release();
      throw new Error(
        `${path} has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}) and ${session.outputNames.length} outputs; ` +
          'an LPIPS network takes two images (N, 3, H, W) on [-1, 1], original first, and returns the distance: export lpips.LPIPS(net=\'alex\', spatial=True) with two inputs',
      );
    }
    return new LpipsNet(session, { file: basename(path), sha256, inputs: [...session.inputNames], output: session.outputNames[0] }, created.provider);
  }

  /**
   * Per-frame distances between two (3, T, H, W) videos on [-1, 1], frames
   * [from, to) at a time in one batch.
   */
  async distances(original: Tensor, reconstruction: Tensor): Promise<number[]> {
    const [C, T, H, W] = original.shape;
    if (C !== 3 || reconstruction.shape.join(',') !== original.shape.join(',')) {
      throw new Error(`LPIPS: expected two (3, T, H, W) videos of one shape, got (${original.shape.join(', ')}) and (${reconstruction.shape.join(', ')})`);
    }
    const toBatch = (v: Tensor) => {
      // (3, T, H, W) -> (T, 3, H, W)
      const out = new Float32Array(v.data.length);
      const plane = H * W;
      for (let t = 0; t < T; t++) for (let c = 0; c < 3; c++) out.set(v.data.subarray((c * T + t) * plane, (c * T + t + 1) * plane), (t * 3 + c) * plane);
      return new ort.Tensor('float32', out, [T, 3, H, W]);
    };
    const [a, b] = this.info.inputs;
    const out = await this.session.run({ [a]: toBatch(original), [b]: toBatch(reconstruction) }, [this.info.output]);
    const d = out[this.info.output];
    if (d.dims[0] !== T) {
      throw new Error(`LPIPS: the network returned shape (${d.dims.join(', ')}) for a batch of ${T} frames; its first output must have the batch size first`);
    }
    const values = d.data as Float32Array;
    const per = values.length / T;
    const result: number[] = [];
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let i = 0; i < per; i++) s += values[t * per + i];
      result.push(s / per);
    }
    return result;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
