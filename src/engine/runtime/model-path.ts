/**
 * The bundled demo model: what the CLI and the app use when the user names no
 * model. `WFVAE_DEMO_MODEL` overrides the location (packaged builds put
 * resources elsewhere).
 */
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const DEMO_MODEL_DIR = fileURLToPath(new URL('../../../resources/models/wfvae-demo', import.meta.url));

export function demoModelDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WFVAE_DEMO_MODEL || DEMO_MODEL_DIR;
}

/** The model path to use: the one given, else the demo model if it is there, else an error saying how to pass one. */
export async function resolveModelPath(given: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (given) return given;
  const demo = demoModelDir(env);
  const there = await stat(demo).then((s) => s.isDirectory(), () => false);
  if (!there) {
    throw new Error(`no model given and the bundled demo model is not installed (looked for ${demo}). Pass one with --model <checkpoint folder or converted folder>, e.g. --model path/to/wfvae-checkpoint (with config.json and diffusion_pytorch_model.safetensors).`);
  }
  return demo;
}
