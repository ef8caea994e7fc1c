// The evaluation's journal: one JSON line per finished clip, appended and
// synced as each clip finishes, after a header line with every setting. A run
// killed at any moment loses at most the clip in progress; running the same
// command again reads the journal, skips what is done and finishes the rest.
// A run with different settings refuses to mix its numbers into it.
import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClipRecord, EvalHeader } from './results';

export const JOURNAL_FILE = 'journal.jsonl';

type Line = { kind: 'header'; header: EvalHeader } | { kind: 'clip'; record: ClipRecord } | { kind: 'probe'; record: ClipRecord };

function differingKeys(a: EvalHeader, b: EvalHeader): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof EvalHeader>;
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

export class Journal {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly done: Map<number, ClipRecord>,
    public probe: ClipRecord | null,
  ) {}

  /** Opens (or starts) the journal in `dir` for this header; throws when it belongs to other settings. */
  static async open(dir: string, header: EvalHeader): Promise<Journal> {
    const path = join(dir, JOURNAL_FILE);
    let text: string | null = null;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const done = new Map<number, ClipRecord>();
    let probe: ClipRecord | null = null;
    if (text !== null && text.length > 0) {
      // A line cut off by a kill has no newline yet: drop it, it is redone.
      const complete = text.lastIndexOf('\n') + 1;
      if (complete < text.length) await truncate(path, Buffer.byteLength(text.slice(0, complete)));
      const lines = text.slice(0, complete).split('\n').filter(Boolean);
      let first: Line;
      try {
        first = JSON.parse(lines[0]) as Line;
      } catch {
        throw new Error(`${path} is not an evaluation journal; pick another --out folder`);
      }
      if (first.kind !== 'header') throw new Error(`${path} does not start with an evaluation header; pick another --out folder`);
      const diff = differingKeys(first.header, header);
      if (diff.length) {
        throw new Error(
          `${dir} holds an evaluation with other ${diff.join(', ')} than this run (its ${lines.length - 1} finished clips would be mixed with different numbers); ` +
            'use another --out folder, or delete this one to start over',
        );
      }
      for (const raw of lines.slice(1)) {
        const line = JSON.parse(raw) as Line;
        if (line.kind === 'clip') done.set(line.record.index, line.record);
        else if (line.kind === 'probe') probe = line.record;
      }
    }
    const fh = await open(path, 'a');
    const j = new Journal(path, fh, done, probe);
    if (text === null || text.length === 0) await j.write({ kind: 'header', header });
    return j;
  }

  async append(record: ClipRecord): Promise<void> {
    await this.write({ kind: 'clip', record });
    this.done.set(record.index, record);
  }

  async appendProbe(record: ClipRecord): Promise<void> {
    await this.write({ kind: 'probe', record });
    this.probe = record;
  }

  /** The records as read back from disk, so a finished run and a resumed one build their files from the same text. */
  async readBack(): Promise<{ records: ClipRecord[]; probe: ClipRecord | null }> {
    const lines = (await readFile(this.path, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
    const records = new Map<number, ClipRecord>();
    let probe: ClipRecord | null = null;
    for (const l of lines) {
      if (l.kind === 'clip') records.set(l.record.index, l.record);
      else if (l.kind === 'probe') probe = l.record;
    }
    return { records: [...records.values()], probe };
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  private async write(line: Line): Promise<void> {
    await this.fh.write(JSON.stringify(line) + '\n');
    await this.fh.datasync();
  }
}
