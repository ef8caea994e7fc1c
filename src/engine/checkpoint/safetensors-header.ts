/**
 * Validation of a safetensors header before any weight is trusted. The format:
 * 8 bytes little-endian header length N, N bytes of JSON, then the data section.
 * Each JSON entry gives dtype, shape and data_offsets relative to the data
 * section; together the entries must tile that section exactly.
 */
import { CheckpointError, cappedList } from './errors';
import { describeJsonErrorLocation } from './json-error';
import { describeExcessNesting } from './json-depth';
import { clipText, quoteName, quoteValue } from './clip-text';
import { DTYPE_BYTES, SAFETENSORS_DTYPES, isStorageDtype, type StorageDtype } from './dtype';

export interface TensorEntry {
  name: string;
  dtype: StorageDtype;
  shape: number[];
  /** Absolute position of the first byte in the file. */
  byteOffset: number;
  byteLength: number;
}

export interface ParsedHeader {
  entries: Map<string, TensorEntry>;
  metadata: Record<string, string>;
  /** Where the data section starts in the file (8 + header length). */
  dataStart: number;
}

/** A real WF-VAE header is tens of kB; anything this big is not a safetensors file. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export const HEADER_PREFIX_BYTES = 8;

/** Tensor entries nest 3 levels ({name: {shape: [...]}}); deeper JSON is not a header (and could overflow the stack). */
export const MAX_HEADER_NESTING = 16;

/** Reads and bounds-checks the 8-byte length prefix. */
export function parseHeaderLength(prefix: Uint8Array, fileSize: number, path: string): number {
  if (fileSize < HEADER_PREFIX_BYTES || prefix.length < HEADER_PREFIX_BYTES) {
    throw new CheckpointError('truncated', `${path} is ${fileSize} bytes: too short to be a safetensors file (it needs at least an 8-byte header length). The file is probably incomplete; copy or download it again.`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, HEADER_PREFIX_BYTES);
  const big = view.getBigUint64(0, true);
  if (big > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError('bad_header', `${path}: header length field says ${big} bytes, more than the ${MAX_HEADER_BYTES}-byte limit; this is not a safetensors file (or its first bytes are damaged).`);
  }
  const n = Number(big);
  if (n < 2) {
    throw new CheckpointError('bad_header', `${path}: header length field says ${n} bytes; a safetensors header is a JSON object of at least 2 bytes.`);
  }
  if (HEADER_PREFIX_BYTES + n > fileSize) {
    throw new CheckpointError('truncated', `${path}: header length field says ${n} bytes but only ${fileSize - HEADER_PREFIX_BYTES} bytes follow it. The file is truncated (or not a safetensors file); copy or download it again.`);
  }
  return n;
}

function describeDtypeProblem(name: string, dtype: unknown): string {
  if (typeof dtype === 'string' && SAFETENSORS_DTYPES.includes(dtype)) {
    return `unsupported dtype ${dtype} for tensor ${quoteName(name)}: WF-VAE weights must be F32, F16 or BF16. Convert the checkpoint (e.g. model.to(torch.float32) before save_pretrained).`;
  }
  return `unsupported dtype ${quoteValue(dtype)} for tensor ${quoteName(name)}: not a safetensors dtype; WF-VAE weights must be F32, F16 or BF16.`;
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

interface RawEntry {
  name: string;
  dtype: StorageDtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses and validates the header JSON. `dataSize` is the file size minus the
 * prefix and header; offsets past it mean a truncated file when the entries
 * otherwise tile [0, end) exactly.
 */
export function parseHeaderJson(headerBytes: Uint8Array, headerLength: number, fileSize: number, path: string): ParsedHeader {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(headerBytes);
  const nesting = describeExcessNesting(text, MAX_HEADER_NESTING);
  if (nesting) throw new CheckpointError('bad_header', `${path}: header is not a safetensors header: its JSON ${nesting}, while tensor entries nest 3 levels; the file is damaged or not a safetensors file.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new CheckpointError('bad_header', `${path}: header is not valid JSON (${describeJsonErrorLocation(text) || reason}); the file is damaged or not a safetensors file.`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckpointError('bad_header', `${path}: header must be a JSON object, found ${Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json}.`);
  }

  const dataStart = HEADER_PREFIX_BYTES + headerLength;
  const dataSize = fileSize - dataStart;
  // No prototype: a key named "__proto__" (or "constructor") is a key like any other.
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const raw: RawEntry[] = [];
  const dtypeProblems: string[] = [];
  const entryProblems: string[] = [];

  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        entryProblems.push('__metadata__ must be an object of strings');
        continue;
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') entryProblems.push(`__metadata__.${clipText(k)} must be a string, found ${typeof v}`);
        else metadata[k] = v;
      }
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      entryProblems.push(`${quoteName(name)}: entry must be an object with dtype, shape and data_offsets`);
      continue;
    }
    const e = value as Record<string, unknown>;
    if (!isStorageDtype(e.dtype)) {
      dtypeProblems.push(describeDtypeProblem(name, e.dtype));
      continue;
    }
    if (!Array.isArray(e.shape) || !e.shape.every(isNonNegativeInt)) {
      entryProblems.push(`${quoteName(name)}: shape must be a list of non-negative integers, found ${quoteValue(e.shape)}`);
      continue;
    }
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isNonNegativeInt) || off[0] > off[1]) {
      entryProblems.push(`${quoteName(name)}: data_offsets must be [begin, end] with 0 <= begin <= end, found ${quoteValue(off)}`);
      continue;
    }
    const shape = e.shape as number[];
    const [begin, end] = off as number[];
    const numel = shape.reduce((a, b) => a * b, 1);
    const expectedBytes = numel * DTYPE_BYTES[e.dtype];
    if (!Number.isSafeInteger(expectedBytes) || end - begin !== expectedBytes) {
      entryProblems.push(`${quoteName(name)}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${e.dtype} shape [${clipText(shape.join(', '))}] needs ${expectedBytes}`);
      continue;
    }
    raw.push({ name, dtype: e.dtype, shape, begin, end });
  }

  if (dtypeProblems.length > 0) {
    throw new CheckpointError('bad_dtype', `${path}: ${cappedList(dtypeProblems, 3, '; ')}`, dtypeProblems);
  }
  if (entryProblems.length > 0) {
    const code = entryProblems.some((p) => p.includes('data_offsets')) ? 'bad_offsets' : 'bad_header';
    throw new CheckpointError(code, `${path}: bad header entries: ${cappedList(entryProblems, 5, '; ')}`, entryProblems);
  }

  checkTiling(raw, dataSize, path);

  const entries = new Map<string, TensorEntry>();
  for (const r of raw) {
    entries.set(r.name, { name: r.name, dtype: r.dtype, shape: r.shape, byteOffset: dataStart + r.begin, byteLength: r.end - r.begin });
  }
  return { entries, metadata, dataStart };
}

/**
 * Sorted by offset, the entries must cover [0, dataSize) with no gap and no
 * overlap. A clean tiling that merely runs past the end of the file is a
 * truncated download, reported as such.
 */
function checkTiling(raw: RawEntry[], dataSize: number, path: string): void {
  const sorted = [...raw].sort((a, b) => a.begin - b.begin || a.end - b.end);
  const problems: string[] = [];
  let cursor = 0;
  let prev: RawEntry | undefined;
  for (const r of sorted) {
    if (r.begin < cursor && prev) {
      problems.push(`${quoteName(r.name)} [${r.begin}, ${r.end}) overlaps ${quoteName(prev.name)} [${prev.begin}, ${prev.end})`);
    } else if (r.begin > cursor) {
      const after = prev ? `after ${quoteName(prev.name)}` : 'at the start of the data section';
      problems.push(`gap of ${r.begin - cursor} bytes ${after}, before ${quoteName(r.name)}`);
    }
    if (!prev || r.end >= cursor) {
      cursor = Math.max(cursor, r.end);
      prev = r;
    }
  }
  const tiledEnd = cursor;
  if (problems.length === 0 && tiledEnd > dataSize) {
    throw new CheckpointError('truncated', `${path}: the header describes ${tiledEnd} bytes of tensor data but the file holds only ${dataSize}: it is truncated by ${tiledEnd - dataSize} bytes. Copy or download it again.`);
  }
  const outOfRange = sorted.filter((r) => r.end > dataSize).map((r) => `${quoteName(r.name)} [${r.begin}, ${r.end}) lies past the end of the ${dataSize}-byte data section`);
  problems.push(...outOfRange);
  if (problems.length === 0 && tiledEnd < dataSize) {
    problems.push(`${dataSize - tiledEnd} bytes after the last tensor${prev ? ` ${quoteName(prev.name)}` : ''} belong to no tensor`);
  }
  if (problems.length > 0) {
    throw new CheckpointError('bad_offsets', `${path}: tensor data offsets do not tile the data section: ${cappedList(problems, 5, '; ')}`, problems);
  }
}
