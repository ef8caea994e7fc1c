/**
 * The bundled demo model: what the CLI and the app use when the user names no
 * model. `WFVAE_DEMO_MODEL` overrides the location (packaged builds put
 * resources elsewhere).
 */
import { stat } from 'node:fs/promises';
import { packageFile } from '../package-files';

/** The demo model's folder: WFVAE_DEMO_MODEL, else where the package ships it (found when asked, not at import). */
export function demoModelDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WFVAE_DEMO_MODEL || packageFile('resources', 'models', 'wfvae-demo');
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
