// The layering rules of eslint.config.js catch what they are for: each room of
// src/ is linted with an import it must not have, and with one it may.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(file: string, source: string): Promise<boolean> {
  const [result] = await eslint.lintText(source, { filePath: file });
  return result.messages.some((m) => m.ruleId === 'no-restricted-imports');
}

const CASES: Array<[file: string, importPath: string, banned: boolean]> = [
  ['src/engine/runtime/x.ts', '../../serve/server', true],
  ['src/engine/runtime/x.ts', '../../cli/model-arg', true],
  ['src/engine/runtime/x.ts', '../../main/ipc', true],
  ['src/engine/runtime/x.ts', '../../hosting/args', true],
  ['src/engine/runtime/x.ts', 'electron', true],
  ['src/engine/runtime/x.ts', '../checkpoint/index', false],
  ['src/hosting/x.ts', '../cli/main', true],
  ['src/hosting/x.ts', '../engine/tensor', false],
  ['src/cli/x.ts', '../serve/server', true],
  ['src/cli/x.ts', '../main/ipc', true],
  ['src/cli/x.ts', 'electron', true],
  ['src/cli/x.ts', '../hosting/args', false],
  ['src/serve/x.ts', '../cli/model-arg', true],
  ['src/serve/x.ts', '../main/ipc', true],
  ['src/serve/x.ts', '../engine/tensor', false],
  ['src/main/x.ts', '../serve/server', true],
  ['src/main/x.ts', '../cli/main', true],
  ['src/main/x.ts', '../hosting/static-files', false],
  ['src/renderer/src/x.ts', '../../engine/tensor', true],
  ['src/renderer/src/x.ts', '../../serve/server', true],
  ['src/renderer/src/x.ts', 'node:fs', true],
  ['src/renderer/src/x.ts', '../../shared/contract', false],
  ['src/preload/x.ts', '../engine/tensor', true],
  ['src/shared/x.ts', '../engine/tensor', true],
];

describe('layering lint rules', () => {
  it.each(CASES)('%s importing %s: banned %s', async (file, importPath, banned) => {
    expect(await restricted(file, `import '${importPath}';\n`)).toBe(banned);
  });
});
