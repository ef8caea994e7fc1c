// `node --import` this to append every file the process loads — ES modules,
// CommonJS modules and native addons — to the file named by $WFVAE_LOAD_LOG.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import process from 'node:process';
import { URL } from 'node:url';

const log = process.env.WFVAE_LOAD_LOG;
if (log) {
  register(new URL('./record-loads-hooks.mjs', import.meta.url), { data: { log } });
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (...args) {
    const file = resolveFilename.apply(this, args);
    if (!Module.isBuiltin(file)) appendFileSync(log, `${file}\n`);
    return file;
  };
}
