// The Electron app's remembered settings as a JSON file (in the user's
// app-data folder; the path is given, so this file needs no Electron). Writes
// are atomic (a temp file of their own, flushed to disk, then renamed over
// the old one), so a crash or two saves at once never leave a torn file; a
// missing or broken file reads as the defaults, so a bad write can never stop
// the app from starting.
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { saveAtomically } from '../engine/fs/atomic-file';
import { parsePrefs, type Prefs } from '../shared/prefs';

export async function readPrefsFile(path: string): Promise<Prefs> {
  try {
    return parsePrefs(JSON.parse(await readFile(path, 'utf8')));
  } catch {
    return parsePrefs(undefined);
  }
}

/** Validates what the renderer sent (unknown parts fall back to defaults) and stores it. */
export async function writePrefsFile(path: string, raw: unknown): Promise<void> {
  const prefs = parsePrefs(raw);
  await mkdir(dirname(path), { recursive: true });
  await saveAtomically(path, async (tmp) => {
    const file = await open(tmp, 'wx', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(prefs, null, 2)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
  });
}
