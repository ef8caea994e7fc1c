// A model on the Hugging Face Hub as the user writes it:
// `org/name[@revision][:subfolder]`, e.g. `org/WF-VAE-L@v1.0:vae`. Shared by the
// engine (which resolves it) and the UI (which checks what is typed before it
// is sent). The grammar follows the Hub's own rules for repo ids (letters,
// digits, `-`, `_`, `.`; no `--` or `..`; at most 96 characters a part).

export interface HubModelId {
  /** `org/name` */
  repo: string;
  /** A branch, tag or commit hash; `main` when none is given. */
  revision: string;
  /** Whether the user named the revision (for display: `org/name` rather than `org/name@main`). */
  revisionGiven: boolean;
  /** Folder inside the repo holding config.json and the weights, e.g. `vae`; '' for the repo root. */
  subfolder: string;
}

export const DEFAULT_REVISION = 'main';

const PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;
// Git ref names: no space, `~^:?*[\`, control characters, `..`, `@{`, no leading or trailing `/` or `.`.
// eslint-disable-next-line no-control-regex -- git refuses control characters in ref names
const REVISION = /^(?!.*\.\.)(?!.*@\{)(?!.*\/\/)(?!\/)(?!.*\/$)(?!.*\.$)[^\s~^:?*[\\\x00-\x1f\x7f]{1,255}$/;
// eslint-disable-next-line no-control-regex -- nor may a path in a repo hold them
const SUBFOLDER_PART = /^(?!\.{1,2}$)[^/\\\x00-\x1f\x7f]{1,255}$/;

function checkPart(part: string, which: string, whole: string): string | null {
  if (!PART.test(part)) return `the ${which} "${part}" in "${whole}" may hold only letters, digits, '-', '_' and '.', must start and end with a letter or digit, and be at most 96 characters`;
  if (part.includes('--') || part.includes('..')) return `the ${which} "${part}" in "${whole}" may not contain "--" or ".."`;
  return null;
}

/** Parses `org/name[@revision][:subfolder]`; returns the id, or why the text is not one. */
export function parseHubModelId(text: string): { ok: true; id: HubModelId } | { ok: false; error: string } {
  const s = text.trim();
  if (!s) return { ok: false, error: 'a Hugging Face model id is empty: write it as org/name, e.g. org/WF-VAE-L' };
  const colon = s.indexOf(':');
  const head = colon < 0 ? s : s.slice(0, colon);
  const sub = colon < 0 ? '' : s.slice(colon + 1);
  const at = head.indexOf('@');
  const repo = at < 0 ? head : head.slice(0, at);
  const revision = at < 0 ? '' : head.slice(at + 1);
  const parts = repo.split('/');
  if (parts.length !== 2) return { ok: false, error: `"${s}" is not a Hugging Face model id: write it as org/name[@revision][:subfolder], e.g. org/WF-VAE-L or org/pipeline:vae` };
  const bad = checkPart(parts[0], 'organisation', s) ?? checkPart(parts[1], 'name', s);
  if (bad) return { ok: false, error: bad };
  if (at >= 0 && !REVISION.test(revision)) return { ok: false, error: `the revision "${revision}" in "${s}" is not a branch, tag or commit: it may not be empty or hold spaces, '..', or any of ~^:?*[\\` };
  const subfolder = sub.replace(/\/+$/, '');
  if (colon >= 0) {
    if (!subfolder) return { ok: false, error: `"${s}" ends in ':' with no subfolder: write org/name:vae, or leave the ':' out for the repo's root` };
    if (subfolder.startsWith('/') || !subfolder.split('/').every((p) => SUBFOLDER_PART.test(p))) {
      return { ok: false, error: `the subfolder "${sub}" in "${s}" must be a relative path inside the repo (like vae or models/vae), without '.' or '..' parts` };
    }
  }
  return { ok: true, id: { repo, revision: revision || DEFAULT_REVISION, revisionGiven: at >= 0, subfolder } };
}

/** Whether `text` reads as a Hub model id (the engine still prefers a folder of that name, where one exists). */
export function looksLikeHubModelId(text: string): boolean {
  return parseHubModelId(text).ok;
}

/** The id as the user would write it. */
export function formatHubModelId(id: Pick<HubModelId, 'repo' | 'revision' | 'subfolder'> & { revisionGiven?: boolean }): string {
  const rev = id.revisionGiven === false && id.revision === DEFAULT_REVISION ? '' : `@${id.revision}`;
  return `${id.repo}${rev}${id.subfolder ? `:${id.subfolder}` : ''}`;
}
