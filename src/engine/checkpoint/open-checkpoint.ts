/**
 * A checkpoint as users bring it: the folder the reference's save_pretrained
 * writes (config.json + diffusion_pytorch_model.safetensors), the path of
 * the safetensors file with config.json beside it, or the config.json itself.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointError, ioError } from './errors';
import { CONFIG_FILE, parseModelConfig, readConfigJson, type ModelConfig } from './config';
import { modelFacts, type ModelFacts } from './facts';
import { SafetensorsFile } from './safetensors-file';
import { hashCheckpoint, type HashOptions } from './checkpoint-hash';
import { notRegular } from './regular-file';

export const WEIGHTS_FILE = 'diffusion_pytorch_model.safetensors';

export interface OpenCheckpoint {
  dir: string;
  config: ModelConfig;
  facts: ModelFacts;
  weights: SafetensorsFile;
  /** SHA-256 of config.json and the whole weights file; keys the converted-graph cache. */
  sha256: string;
}

async function resolvePaths(input: string): Promise<{ dir: string; configPath: string; weightsPath: string }> {
  let st;
  try {
    st = await stat(input);
  } catch (err) {
    throw ioError(err, input, 'checkpoint');
  }
  if (!st.isFile() && !st.isDirectory()) throw notRegular(input, 'checkpoint', st);
  if (st.isFile() && basename(input) === CONFIG_FILE) return resolvePaths(dirname(input));
  if (st.isFile()) {
    if (!input.endsWith('.safetensors')) {
      throw new CheckpointError('not_found', `${input} is not a checkpoint: pass the checkpoint folder (with ${CONFIG_FILE} and ${WEIGHTS_FILE}) or the .safetensors file.`);
    }
    const dir = dirname(input);
    return { dir, configPath: join(dir, CONFIG_FILE), weightsPath: input };
  }
  const dir = input;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw ioError(err, dir, 'checkpoint folder');
  }
  const missing = [CONFIG_FILE, WEIGHTS_FILE].filter((n) => !names.includes(n));
  if (missing.length > 0) {
    const others = names.filter((n) => n.endsWith('.safetensors') || n.endsWith('.json'));
    const found = others.length ? ` It has: ${others.join(', ')}; pass a .safetensors file's path directly if its config.json sits beside it.` : ' It has no .safetensors or .json files.';
    throw new CheckpointError('not_found', `${dir} is not a WF-VAE checkpoint folder: expected ${CONFIG_FILE} and ${WEIGHTS_FILE}, missing ${missing.join(' and ')}.${found}`, missing);
  }
  return { dir, configPath: join(dir, CONFIG_FILE), weightsPath: join(dir, WEIGHTS_FILE) };
}

export async function openCheckpoint(path: string, opts: HashOptions = {}): Promise<OpenCheckpoint> {
  const { dir, configPath, weightsPath } = await resolvePaths(path);
  const { bytes, json } = await readConfigJson(configPath).catch((err: unknown) => {
    if (err instanceof CheckpointError && err.code === 'not_found') {
      throw new CheckpointError('not_found', `${basename(weightsPath)} has no ${CONFIG_FILE} beside it (looked for ${configPath}); the model options are needed to build the model.`);
    }
    throw err;
  });
  const config = parseModelConfig(json, configPath);
  const facts = modelFacts(config);
  const weights = await SafetensorsFile.open(weightsPath);
  try {
    const sha256 = await hashCheckpoint(bytes, weightsPath, opts);
    return { dir, config, facts, weights, sha256 };
  } catch (err) {
    await weights.close();
    throw err;
  }
}
