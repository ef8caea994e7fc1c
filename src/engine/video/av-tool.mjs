#!/usr/bin/env node
// The video tool of WF-VAE Inspector: probe, decode and encode with the FFmpeg
// libraries that node-av ships prebuilt in its npm platform packages (FFmpeg
// 8, libx264 included). It runs as a child process, one job each, so a
// decoder crash on a hostile file kills this process, not the app, and is
// reported as a crash with its signal. It speaks what the engine expects of
// the ffmpeg/ffprobe command lines it replaces:
//
//   probe  {input, countPackets}        ffprobe-style JSON on stdout
//   count  {input, decode}              {packets, corrupt, readError, decoded}: the video packets that
//                                        read whole, and with decode the frames the decoder gives
//   decode {input, filter, frames}      rawvideo rgb24 frames on stdout
//   encode {output, width, height, fps, crf}  rawvideo rgb24 on stdin -> H.264 mp4
//   encode-mp4v {output, width, height, fps}  rawvideo bgr24 on stdin -> MPEG-4 Part 2 'mp4v' mp4,
//                                        as OpenCV's cv2.VideoWriter(fourcc 'mp4v') writes it
//
// Errors go to stderr as FFmpeg prints them (its log at level "error"), then
// exit status 1; "key=value" lines on stderr are progress, read as liveness.
// Plain JavaScript, not TypeScript: it starts with `node` alone, no loader.
//
// Started by plain Node, it reads stdin and exits. Started by Electron's
// utilityProcess (process.parentPort exists; there is no stdin), the encode
// input arrives as parentPort messages, and the exit code is announced to the
// host before exiting (src/engine/process/script-protocol.ts says why).
import {
  AV_DISPOSITION_ATTACHED_PIC,
  AV_LOG_ERROR,
  AV_NOPTS_VALUE,
  AV_PIX_FMT_RGB24,
  AV_PKT_DATA_DISPLAYMATRIX,
  AV_PKT_FLAG_CORRUPT,
  AVCOL_PRI_BT709,
  AVCOL_RANGE_JPEG,
  AVCOL_RANGE_MPEG,
  AVCOL_SPC_BT709,
  AVCOL_TRC_BT709,
  AVERROR_EAGAIN,
  AVERROR_EOF,
  AVMEDIA_TYPE_VIDEO,
  FF_ENCODER_LIBX264,
  FF_ENCODER_MPEG4,
  AV_PIX_FMT_BGR24,
} from 'node-av/constants';
import {
  avGetCodecName,
  avGetMediaTypeString,
  avGetPixFmtName,
  Codec,
  CodecContext,
  Dictionary,
  FFmpegError,
  Filter,
  FilterGraph,
  FilterInOut,
  FormatContext,
  Frame,
  Log,
  Packet,
} from 'node-av/lib';
import { clearTimeout, setTimeout } from 'node:timers';

Log.setLevel(AV_LOG_ERROR);

class ToolFailure extends Error {}

const fail = (message) => {
  throw new ToolFailure(message);
};

/** Like FFmpeg's own messages: "url: reason". */
function check(code, what) {
  if (typeof code === 'number' && code < 0) fail(`${what}: ${FFmpegError.strerror(code)}`);
  return code;
}

function rate(r) {
  return r && r.den ? `${r.num}/${r.den}` : '0/0';
}

/** Degrees a display matrix rotates by (FFmpeg's av_display_rotation_get), or null. */
function displayRotation(stream) {
  const m = stream.codecpar.getCodedSideData?.(AV_PKT_DATA_DISPLAYMATRIX);
  if (!m || m.length < 36) return null;
  const v = (i) => m.readInt32LE(4 * i) / 65536;
  const sx = Math.hypot(v(0), v(3));
  const sy = Math.hypot(v(1), v(4));
  if (sx === 0 || sy === 0) return null;
  return -((Math.atan2(v(1) / sy, v(0) / sx) * 180) / Math.PI);
}

function firstVideo(streams) {
  return streams.find((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO && !(s.disposition & AV_DISPOSITION_ATTACHED_PIC));
}

/**
 * The engine passes ffmpeg-style "file:/abs/path" URLs. node-av resolves anything that is not
 * "scheme://" as a path, and FFmpeg sees no protocol in a path that starts with "/" (or a drive),
 * so the absolute path itself is the safe form here.
 */
function localPath(url) {
  return url.startsWith('file:') ? url.slice(5) : url;
}

function openInput(input) {
  const fc = new FormatContext();
  fc.allocContext();
  check(fc.openInputSync(localPath(input), null, null), input);
  check(fc.findStreamInfoSync(null), input);
  return fc;
}

function probe({ input, countPackets }) {
  const fc = openInput(input);
  try {
    let streams = fc.streams ?? [];
    const extra = {};
    if (countPackets) {
      const v = firstVideo(streams);
      streams = v ? [v] : [];
      let n = 0;
      if (v) {
        const pkt = new Packet();
        pkt.alloc();
        while (fc.readFrameSync(pkt) >= 0) {
          if (pkt.streamIndex === v.index) n++;
          pkt.unref();
        }
        pkt.free();
      }
      extra.nb_read_packets = String(n);
    }
    return { streams: streams.map((s) => ({ ...describeStream(s), ...extra })), format: describeFormat(fc) };
  } finally {
    fc.closeInputSync();
  }
}

/** How many frames really come out of a file: its packets read to the end, and optionally decoded (to nothing). */
function count({ input, decode }) {
  const fc = openInput(input);
  const pkt = new Packet();
  const frame = new Frame();
  const cc = decode ? new CodecContext() : null;
  try {
    const stream = firstVideo(fc.streams ?? []);
    if (!stream) fail(`${input}: no video stream`);
    let decoded = null;
    if (cc) {
      const codec = Codec.findDecoder(stream.codecpar.codecId);
      if (!codec) fail(`${input}: no decoder for ${avGetCodecName(stream.codecpar.codecId) ?? 'this codec'}`);
      cc.allocContext3(codec);
      check(cc.parametersToContext(stream.codecpar), input);
      cc.pktTimebase = stream.timeBase;
      // One thread, as ffprobe -count_frames decodes: frame threads drop a damaged tail's frames differently.
      cc.threadCount = 1;
      check(cc.open2Sync(codec, null), `${input}: opening the decoder`);
      frame.alloc();
      decoded = 0;
    }
    const drain = () => {
      for (;;) {
        const r = cc.receiveFrameSync(frame);
        if (r < 0) return;
        decoded++;
        frame.unref();
      }
    };
    pkt.alloc();
    let packets = 0;
    let corrupt = 0;
    let readError = null;
    for (;;) {
      const r = fc.readFrameSync(pkt);
      if (r === AVERROR_EOF) break;
      if (r < 0) {
        readError = FFmpegError.strerror(r);
        break;
      }
      if (pkt.streamIndex === stream.index) {
        packets++;
        if (pkt.flags & AV_PKT_FLAG_CORRUPT) corrupt++;
        if (cc) {
          cc.sendPacketSync(pkt);
          drain();
        }
        if (packets % 64 === 0) process.stderr.write(`packets=${packets}\n`);
      }
      pkt.unref();
    }
    if (cc) {
      cc.sendPacketSync(null);
      drain();
    }
    return { packets, corrupt, readError, decoded };
  } finally {
    pkt.free();
    frame.free();
    cc?.freeContext();
    fc.closeInputSync();
  }
}

function seconds(ts, tb) {
  if (ts === undefined || ts === null || ts === AV_NOPTS_VALUE || !tb || !tb.den) return undefined;
  // As ffprobe prints it: microsecond precision.
  return (Number(ts) * (tb.num / tb.den)).toFixed(6);
}

function describeStream(s) {
  const p = s.codecpar;
  const name = avGetCodecName(p.codecId);
  const out = {
    index: s.index,
    codec_type: avGetMediaTypeString(p.codecType) ?? 'unknown',
    r_frame_rate: rate(s.rFrameRate),
    avg_frame_rate: rate(s.avgFrameRate),
    disposition: { attached_pic: s.disposition & AV_DISPOSITION_ATTACHED_PIC ? 1 : 0 },
  };
  if (name && name !== 'none') out.codec_name = name;
  if (p.codecType === AVMEDIA_TYPE_VIDEO) {
    out.width = p.width;
    out.height = p.height;
  }
  const nb = Number(s.nbFrames);
  if (nb > 0) out.nb_frames = String(nb);
  const d = seconds(s.duration, s.timeBase);
  if (d !== undefined) out.duration = d;
  const rot = displayRotation(s);
  if (rot !== null) out.side_data_list = [{ side_data_type: 'Display Matrix', rotation: Math.round(rot) }];
  return out;
}

function describeFormat(fc) {
  const d = Number(fc.duration);
  return { format_name: fc.iformat?.name ?? '', ...(d > 0 && fc.duration !== AV_NOPTS_VALUE ? { duration: (d / 1e6).toFixed(6) } : {}) };
}

/** The filters ffmpeg's command line inserts to show a rotated video upright. */
function autorotate(stream) {
  const rot = displayRotation(stream);
  if (rot === null) return '';
  let theta = -Math.round(rot);
  theta -= 360 * Math.floor(theta / 360 + 0.9 / 360);
  if (Math.abs(theta - 90) < 1) return 'transpose=clock,';
  if (Math.abs(theta - 180) < 1) return 'hflip,vflip,';
  if (Math.abs(theta - 270) < 1) return 'transpose=cclock,';
  return '';
}

/** Electron's utilityProcess: the host's channel (stdin, the exit handshake); undefined under plain Node. */
const parentPort = process.parentPort;
const STDERR_END_MARKER = '--wfvae-script-stderr-end--';
const EXIT_ACK_TIMEOUT_MS = 10_000;

/** What the host sent over parentPort: stdin chunks, their end, the exit acknowledgement. */
const fromHost = { chunks: [], ended: false, wake: null, onExitAck: null };
parentPort?.on('message', (event) => {
  const m = event?.data;
  if (m?.kind === 'stdin' && m.chunk instanceof Uint8Array) fromHost.chunks.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
  else if (m?.kind === 'stdin-end') fromHost.ended = true;
  else if (m?.kind === 'exit-ack') fromHost.onExitAck?.();
  else return;
  const wake = fromHost.wake;
  fromHost.wake = null;
  wake?.();
});

let stdoutBytes = 0;

/** Writes to stdout, waiting when the pipe is full: the reader's pace drives decoding. */
function write(buf) {
  stdoutBytes += typeof buf === 'string' ? Buffer.byteLength(buf) : buf.length;
  return new Promise((resolve, reject) => {
    const onError = (e) => reject(e);
    process.stdout.once('error', onError);
    const ok = process.stdout.write(buf, () => process.stdout.off('error', onError));
    if (ok) resolve();
    else process.stdout.once('drain', resolve);
  });
}

/** buffer source -> `chain` -> buffersink, as ffmpeg's -vf builds it. */
function filterGraph(chain, src) {
  const graph = new FilterGraph();
  graph.alloc();
  const buffer = graph.createFilter(Filter.getByName('buffer'), 'in', src);
  const sink = graph.createFilter(Filter.getByName('buffersink'), 'out', null);
  if (!buffer || !sink) fail('cannot create the filter graph');
  const outputs = FilterInOut.createList([{ name: 'in', filterCtx: buffer, padIdx: 0 }]);
  const inputs = FilterInOut.createList([{ name: 'out', filterCtx: sink, padIdx: 0 }]);
  check(graph.parsePtr(chain, inputs, outputs), `parsing the filters "${chain}"`);
  check(graph.configSync(), `configuring the filters "${chain}"`);
  return { graph, buffer, sink };
}

async function decode({ input, filter, frames }) {
  const fc = openInput(input);
  const cc = new CodecContext();
  const pkt = new Packet();
  const frame = new Frame();
  const out = new Frame();
  let g;
  try {
    const stream = firstVideo(fc.streams ?? []);
    if (!stream) fail(`${input}: no video stream`);
    const codec = Codec.findDecoder(stream.codecpar.codecId);
    if (!codec) fail(`${input}: no decoder for ${avGetCodecName(stream.codecpar.codecId) ?? 'this codec'}`);
    cc.allocContext3(codec);
    check(cc.parametersToContext(stream.codecpar), input);
    cc.pktTimebase = stream.timeBase;
    cc.threadCount = 0;
    check(cc.open2Sync(codec, null), `${input}: opening the decoder`);
    pkt.alloc();
    frame.alloc();
    out.alloc();
    let sent = 0;
    let readEof = false;
    let decoderEof = false;
    const pull = async () => {
      for (;;) {
        const r = g.sink.buffersinkGetFrameSync(out);
        if (r === AVERROR_EAGAIN) return false;
        if (r === AVERROR_EOF) return true;
        check(r, 'filtering');
        if (out.format !== AV_PIX_FMT_RGB24) fail(`the filters gave ${avGetPixFmtName(out.format)}, not rgb24`);
        await write(out.toBuffer());
        out.unref();
        sent++;
        process.stderr.write(`frame=${sent}\n`);
        if (sent >= frames) return true;
      }
    };
    for (;;) {
      if (!readEof) {
        const r = fc.readFrameSync(pkt);
        if (r === AVERROR_EOF) {
          readEof = true;
          cc.sendPacketSync(null);
        } else if (r < 0) {
          process.stderr.write(`Error reading ${input}: ${FFmpegError.strerror(r)}\n`);
          readEof = true;
          cc.sendPacketSync(null);
        } else {
          if (pkt.streamIndex === stream.index) {
            const s = cc.sendPacketSync(pkt);
            if (s < 0 && s !== AVERROR_EAGAIN) process.stderr.write(`Error while decoding stream #0:${stream.index}: ${FFmpegError.strerror(s)}\n`);
          }
          pkt.unref();
        }
      }
      for (;;) {
        const r = cc.receiveFrameSync(frame);
        if (r === AVERROR_EAGAIN) break;
        if (r === AVERROR_EOF) {
          decoderEof = true;
          break;
        }
        if (r < 0) {
          process.stderr.write(`Error while decoding stream #0:${stream.index}: ${FFmpegError.strerror(r)}\n`);
          break;
        }
        if (!g) {
          const tb = stream.timeBase;
          const sar = frame.sampleAspectRatio;
          g = filterGraph(
            `${autorotate(stream)}${filter}`,
            `video_size=${frame.width}x${frame.height}:pix_fmt=${frame.format}:time_base=${tb.num}/${tb.den}:pixel_aspect=${sar?.num || 0}/${sar?.den || 1}`,
          );
        }
        check(g.buffer.buffersrcAddFrameSync(frame), 'filtering');
        frame.unref();
        if (await pull()) return;
      }
      if (decoderEof) {
        if (g) {
          check(g.buffer.buffersrcAddFrameSync(null), 'filtering');
          await pull();
        }
        return;
      }
    }
  } finally {
    process.stderr.write('progress=end\n');
    g?.graph.free();
    for (const x of [pkt, frame, out]) x.free();
    cc.freeContext();
    fc.closeInputSync();
  }
}

/** fps as a rational the way ffmpeg's -framerate reads it (NTSC rates stay exact). */
function fpsRational(fps) {
  for (const den of [1, 1001, 1000, 100000]) {
    const num = Math.round(fps * den);
    if (Math.abs(num / den - fps) < 1e-9 * Math.max(1, fps)) return { num, den };
  }
  return { num: Math.round(fps * 100000), den: 100000 };
}

/** stdin's chunks: the real stdin, or under utilityProcess the host's messages (each acknowledged once taken). */
async function* stdinChunks() {
  if (!parentPort) {
    yield* process.stdin;
    return;
  }
  for (;;) {
    const chunk = fromHost.chunks.shift();
    if (chunk) {
      parentPort.postMessage({ kind: 'stdin-consumed', bytes: chunk.length });
      yield chunk;
    } else if (fromHost.ended) {
      return;
    } else {
      await new Promise((resolve) => (fromHost.wake = resolve));
    }
  }
}

/** Reads exactly `size` bytes from stdin, or null at its end (throws on a partial frame). */
function stdinReader() {
  const it = stdinChunks();
  let pending = Buffer.alloc(0);
  return async (size) => {
    while (pending.length < size) {
      const { value, done } = await it.next();
      if (done) {
        if (pending.length) fail(`the input ended inside a frame (${pending.length} of ${size} bytes)`);
        return null;
      }
      pending = pending.length ? Buffer.concat([pending, value]) : value;
    }
    const frame = pending.subarray(0, size);
    pending = pending.subarray(size);
    return frame;
  };
}

async function encode({ output, width, height, fps, crf }) {
  const q = fpsRational(fps);
  const tb = { num: q.den, den: q.num };
  const path = localPath(output);
  const g = filterGraph(
    'scale=out_color_matrix=bt709:out_range=tv:flags=accurate_rnd+full_chroma_int,format=yuv420p',
    `video_size=${width}x${height}:pix_fmt=${AV_PIX_FMT_RGB24}:time_base=${tb.num}/${tb.den}:pixel_aspect=1/1:colorspace=gbr:range=pc`,
  );
  const codec = Codec.findEncoderByName(FF_ENCODER_LIBX264);
  if (!codec) fail('this FFmpeg build has no libx264 encoder');
  const cc = new CodecContext();
  const oc = new FormatContext();
  const inFrame = new Frame();
  const yuv = new Frame();
  const pkt = new Packet();
  let opened = false;
  try {
    cc.allocContext3(codec);
    Object.assign(cc, {
      width,
      height,
      pixelFormat: g.sink.buffersinkGetFormat(),
      timeBase: tb,
      framerate: q,
      sampleAspectRatio: { num: 1, den: 1 },
      colorSpace: AVCOL_SPC_BT709,
      colorPrimaries: AVCOL_PRI_BT709,
      colorTrc: AVCOL_TRC_BT709,
      colorRange: AVCOL_RANGE_MPEG,
    });
    check(oc.allocOutputContext2(null, 'mp4', path), path);
    if (oc.oformat?.flags & 0x0040) cc.setFlags(1 << 22); // AVFMT_GLOBALHEADER -> AV_CODEC_FLAG_GLOBAL_HEADER
    const opts = Dictionary.fromObject({ preset: 'fast', crf: String(crf) });
    check(cc.open2Sync(codec, opts), 'opening libx264');
    const st = oc.newStream(null);
    check(st.codecpar.fromContext(cc), path);
    st.timeBase = tb;
    check(oc.openOutputSync(), path);
    opened = true;
    check(oc.writeHeaderSync(Dictionary.fromObject({ movflags: '+faststart' })), path);
    inFrame.alloc();
    yuv.alloc();
    pkt.alloc();
    const writePackets = () => {
      for (;;) {
        const r = cc.receivePacketSync(pkt);
        if (r === AVERROR_EAGAIN || r === AVERROR_EOF) return;
        check(r, 'encoding');
        pkt.streamIndex = st.index;
        // Every frame lasts one tick; without it the mp4's last sample has no duration and the rate reads high.
        if (pkt.duration <= 0n) pkt.duration = 1n;
        pkt.rescaleTs(tb, st.timeBase);
        const w = oc.interleavedWriteFrameSync(pkt);
        if (w < 0) fail(`av_interleaved_write_frame(): ${FFmpegError.strerror(w)}`);
      }
    };
    const drainFilter = () => {
      for (;;) {
        const r = g.sink.buffersinkGetFrameSync(yuv);
        if (r === AVERROR_EAGAIN || r === AVERROR_EOF) return;
        check(r, 'filtering');
        check(cc.sendFrameSync(yuv), 'encoding');
        yuv.unref();
        writePackets();
      }
    };
    const read = stdinReader();
    const size = width * height * 3;
    for (let pts = 0n; ; pts++) {
      const bytes = await read(size);
      if (!bytes) break;
      Object.assign(inFrame, { width, height, format: AV_PIX_FMT_RGB24, colorRange: AVCOL_RANGE_JPEG });
      check(inFrame.getBuffer(0), 'allocating a frame');
      check(inFrame.fromBuffer(bytes), 'filling a frame');
      inFrame.pts = pts;
      check(g.buffer.buffersrcAddFrameSync(inFrame), 'filtering');
      inFrame.unref();
      drainFilter();
      process.stderr.write(`frame=${pts + 1n}\n`);
    }
    check(g.buffer.buffersrcAddFrameSync(null), 'filtering');
    drainFilter();
    cc.sendFrameSync(null);
    writePackets();
    const t = oc.writeTrailerSync();
    if (t < 0) fail(`Error writing trailer of ${output}: ${FFmpegError.strerror(t)}`);
  } finally {
    g.graph.free();
    for (const x of [inFrame, yuv, pkt]) x.free();
    cc.freeContext();
    if (opened) oc.closeOutputSync();
    oc.freeContext();
  }
}

/**
 * OpenCV's FFmpeg writer for fourcc 'mp4v' (modules/videoio/src/cap_ffmpeg_impl.hpp): the mpeg4
 * encoder, codec tag mp4v, yuv420p converted from BGR24 by swscale with SWS_BICUBIC (BT.601, limited
 * range: no colour details set), bit_rate = b + b / 2 with b = (int)(fps * w * h + 0.5), qmin 3,
 * gop_size 12, time base 1/fps (fps rounded as OpenCV does), one thread, pts = frame number.
 */
async function encodeMp4v({ output, width, height, fps }) {
  let rateNum = Math.trunc(fps + 0.5);
  let rateDen = 1;
  while (Math.abs(rateNum / rateDen - fps) > 0.001) {
    rateDen *= 10;
    rateNum = Math.trunc(fps * rateDen + 0.5);
  }
  const tb = { num: rateDen, den: rateNum };
  const b = Math.trunc(Math.min(fps * width * height, 2 ** 30 - 1) + 0.5);
  const bitRate = BigInt(b + Math.trunc(b / 2));
  const path = localPath(output);
  const g = filterGraph('scale=flags=bicubic,format=yuv420p', `video_size=${width}x${height}:pix_fmt=${AV_PIX_FMT_BGR24}:time_base=${tb.num}/${tb.den}:pixel_aspect=0/1`);
  const codec = Codec.findEncoderByName(FF_ENCODER_MPEG4);
  if (!codec) fail('this FFmpeg build has no mpeg4 encoder');
  const cc = new CodecContext();
  const oc = new FormatContext();
  const inFrame = new Frame();
  const yuv = new Frame();
  const pkt = new Packet();
  let opened = false;
  try {
    cc.allocContext3(codec);
    Object.assign(cc, { width, height, pixelFormat: g.sink.buffersinkGetFormat(), timeBase: tb, bitRate, qMin: 3, gopSize: 12, threadCount: 1, codecTag: 'mp4v' });
    check(oc.allocOutputContext2(null, 'mp4', path), path);
    if (oc.oformat?.flags & 0x0040) cc.setFlags(1 << 22);
    check(cc.open2Sync(codec, null), 'opening the mpeg4 encoder');
    const st = oc.newStream(null);
    check(st.codecpar.fromContext(cc), path);
    st.timeBase = tb;
    st.avgFrameRate = { num: rateNum, den: rateDen };
    check(oc.openOutputSync(), path);
    opened = true;
    check(oc.writeHeaderSync(null), path);
    inFrame.alloc();
    yuv.alloc();
    pkt.alloc();
    const writePackets = () => {
      for (;;) {
        const r = cc.receivePacketSync(pkt);
        if (r === AVERROR_EAGAIN || r === AVERROR_EOF) return;
        check(r, 'encoding');
        pkt.streamIndex = st.index;
        pkt.rescaleTs(tb, st.timeBase);
        const w = oc.writeFrameSync(pkt);
        if (w < 0) fail(`av_write_frame(): ${FFmpegError.strerror(w)}`);
      }
    };
    const drainFilter = () => {
      for (;;) {
        const r = g.sink.buffersinkGetFrameSync(yuv);
        if (r === AVERROR_EAGAIN || r === AVERROR_EOF) return;
        check(r, 'filtering');
        check(cc.sendFrameSync(yuv), 'encoding');
        yuv.unref();
        writePackets();
      }
    };
    const read = stdinReader();
    for (let pts = 0n; ; pts++) {
      const bytes = await read(width * height * 3);
      if (!bytes) break;
      Object.assign(inFrame, { width, height, format: AV_PIX_FMT_BGR24 });
      check(inFrame.getBuffer(0), 'allocating a frame');
      check(inFrame.fromBuffer(bytes), 'filling a frame');
      inFrame.pts = pts;
      check(g.buffer.buffersrcAddFrameSync(inFrame), 'filtering');
      inFrame.unref();
      drainFilter();
      process.stderr.write(`frame=${pts + 1n}\n`);
    }
    check(g.buffer.buffersrcAddFrameSync(null), 'filtering');
    drainFilter();
    cc.sendFrameSync(null);
    writePackets();
    const t = oc.writeTrailerSync();
    if (t < 0) fail(`Error writing trailer of ${output}: ${FFmpegError.strerror(t)}`);
  } finally {
    g.graph.free();
    for (const x of [inFrame, yuv, pkt]) x.free();
    cc.freeContext();
    if (opened) oc.closeOutputSync();
    oc.freeContext();
  }
}

const jobs = { probe, count, decode, encode, 'encode-mp4v': encodeMp4v };

async function main() {
  const [name, json] = process.argv.slice(2);
  const job = jobs[name];
  if (!job || !json) fail(`usage: av-tool.mjs probe|count|decode|encode|encode-mp4v '<json>'`);
  const result = await job(JSON.parse(json));
  if (name === 'probe' || name === 'count') await write(JSON.stringify(result));
}

/** Resolves once everything written to stdout has reached the pipe: exiting earlier drops the tail (the last frame). */
function flushStdout() {
  return new Promise((resolve) => process.stdout.write('', () => resolve()));
}

/**
 * Under utilityProcess: the last stderr line marks the end of everything printed there (FFmpeg's own
 * messages included), then the exit code and the stdout byte count go to the host, which confirms once
 * it has read both pipes to that point.
 */
function announceExit(code) {
  if (!parentPort) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, EXIT_ACK_TIMEOUT_MS);
    fromHost.onExitAck = () => {
      clearTimeout(timer);
      resolve();
    };
    // Once the marker has reached the pipe, so has every earlier byte of stderr.
    process.stderr.write(`${STDERR_END_MARKER}\n`, () => parentPort.postMessage({ kind: 'exit', code, stdoutBytes }));
  });
}

function exit(code) {
  return flushStdout()
    .then(() => announceExit(code))
    .then(() => process.exit(code));
}

main().then(
  () => exit(0),
  (e) => {
    process.stderr.write(`${e instanceof ToolFailure ? e.message : (e?.stack ?? String(e))}\n`);
    return exit(1);
  },
);
