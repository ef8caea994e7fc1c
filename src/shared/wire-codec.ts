// JSON with typed arrays: how API values cross HTTP in serve mode. A typed
// array becomes {"$typed": "<Ctor>", "b64": "<little-endian bytes>"}; everything
// else is plain JSON. Electron IPC needs none of this (structured clone keeps
// typed arrays), so this module is the only place that knows the wire form.

const TYPED_CTORS = {
  Uint8Array,
  Uint8ClampedArray,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
} as const;
type TypedName = keyof typeof TYPED_CTORS;

const TAG = '$typed';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE_TABLE = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  // Chunks keep String.fromCharCode's argument list short.
  const CHUNK = 3 * 8192;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    const codes: number[] = [];
    let i = start;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      codes.push(
        ALPHABET.charCodeAt(n >> 18),
        ALPHABET.charCodeAt((n >> 12) & 63),
        ALPHABET.charCodeAt((n >> 6) & 63),
        ALPHABET.charCodeAt(n & 63),
      );
    }
    const rest = end - i;
    if (rest === 1) {
      const n = bytes[i] << 16;
      codes.push(ALPHABET.charCodeAt(n >> 18), ALPHABET.charCodeAt((n >> 12) & 63), 61, 61);
    } else if (rest === 2) {
      const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
      codes.push(ALPHABET.charCodeAt(n >> 18), ALPHABET.charCodeAt((n >> 12) & 63), ALPHABET.charCodeAt((n >> 6) & 63), 61);
    }
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join('');
}

export function base64ToBytes(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Error(`base64 text length ${text.length} is not a multiple of 4`);
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = text[i + 2] === '=' ? 0 : sextet(text, i + 2);
    const d = text[i + 3] === '=' ? 0 : sextet(text, i + 3);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i);
  const v = code < 128 ? DECODE_TABLE[code] : -1;
  if (v < 0) throw new Error(`invalid base64 character at ${i}`);
  return v;
}

function typedName(v: ArrayBufferView): TypedName | undefined {
  const name = Object.prototype.toString.call(v).slice(8, -1);
  return name in TYPED_CTORS ? (name as TypedName) : undefined;
}

/** Serializes an API value (typed arrays anywhere inside) to JSON text. */
export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (ArrayBuffer.isView(v)) {
      const name = typedName(v);
      if (!name) throw new Error(`wire codec: ${Object.prototype.toString.call(v)} is not supported`);
      return { [TAG]: name, b64: bytesToBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    }
    return v;
  });
}

/** Parses JSON text from encodeWire, rebuilding typed arrays (fresh, aligned buffers). */
export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && TAG in v) {
      const o = v as Record<string, unknown>;
      const name = o[TAG];
      if (typeof name !== 'string' || !(name in TYPED_CTORS) || typeof o.b64 !== 'string') {
        throw new Error(`wire codec: bad typed array record (${String(name)})`);
      }
      const bytes = base64ToBytes(o.b64);
      const Ctor = TYPED_CTORS[name as TypedName];
      if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) {
        throw new Error(`wire codec: ${bytes.byteLength} bytes is not a whole number of ${name} elements`);
      }
      return new Ctor(bytes.buffer as ArrayBuffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
    return v;
  });
}
