import { UsageError } from './errors';

/** Parsed command line: positionals and --flags (`--k v`, `--k=v`, bare `--k` = true). */
export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[], booleanFlags: ReadonlySet<string> = new Set()): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        flags.set(a.slice(2, eq), a.slice(eq + 1));
      } else {
        const name = a.slice(2);
        const next = argv[i + 1];
        if (booleanFlags.has(name) || next === undefined || next.startsWith('--')) {
          flags.set(name, true);
        } else {
          flags.set(name, next);
          i++;
        }
      }
    } else {
      positionals.push(a);
    }
  }
  return { positionals, flags };
}

export class Flags {
  private readonly used = new Set<string>();
  constructor(private readonly parsed: ParsedArgs) {}

  get positionals(): string[] {
    return this.parsed.positionals;
  }

  bool(name: string): boolean {
    this.used.add(name);
    const v = this.parsed.flags.get(name);
    if (v === undefined) return false;
    if (v === true || v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new UsageError(`--${name} takes no value (got "${v}")`);
  }

  string(name: string): string | undefined {
    this.used.add(name);
    const v = this.parsed.flags.get(name);
    if (v === true) throw new UsageError(`--${name} needs a value`);
    return v;
  }

  requiredString(name: string, what: string): string {
    const v = this.string(name);
    if (v === undefined) throw new UsageError(`--${name} is required: ${what}`);
    return v;
  }

  int(name: string, opts: { min?: number; max?: number } = {}): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} must be an integer (got "${v}")`);
    const n = Number(v);
    if (opts.min !== undefined && n < opts.min) throw new UsageError(`--${name} must be at least ${opts.min} (got ${n})`);
    if (opts.max !== undefined && n > opts.max) throw new UsageError(`--${name} must be at most ${opts.max} (got ${n})`);
    return n;
  }

  /** Throws on flags no one asked for, so typos do not pass silently. */
  assertAllUsed(): void {
    for (const k of this.parsed.flags.keys()) {
      if (!this.used.has(k)) throw new UsageError(`unknown option --${k}`);
    }
  }
}
