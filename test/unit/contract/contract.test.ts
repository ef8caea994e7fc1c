import { describe, expect, it } from 'vitest';
import {
  API_METHOD_NAMES,
  ApiError,
  parseEvent,
  parseRequest,
  parseResponse,
  toApiErrorShape,
} from '../../../src/shared/contract';
import { SUBBANDS_3D } from '../../../src/shared/subbands';
import { decodeWire, encodeWire } from '../../../src/shared/wire-codec';

describe('contract', () => {
  it('lists the methods both transports carry', () => {
    expect(API_METHOD_NAMES).toEqual([
      'openVideo', 'getFrame', 'getSubbands', 'cancel', 'closeClip', 'listClips',
      'getModel', 'loadModel', 'reconstruct', 'planRuns', 'compareChunking', 'getModelFrame', 'getTaps', 'getLatent',
      'getFrequency', 'getLatentStats', 'compareModels', 'getAbFrame',
      'selectClip', 'estimateClip', 'getThumbnails', 'reconstructVideo', 'getFrames', 'getTapTimeline', 'prepareExport', 'exportInfo',
    ]);
  });

  it('accepts well-formed requests and rejects bad ones with the field named', () => {
    expect(parseRequest('getFrame', { clipId: 'clip-1', t: 3 })).toEqual({ clipId: 'clip-1', t: 3 });
    expect(() => parseRequest('getFrame', { clipId: 'clip-1', t: -1 })).toThrow(/invalid getFrame request: t:/);
    expect(() => parseRequest('getFrame', { clipId: 'clip-1', t: 1.5 })).toThrow(ApiError);
    expect(() => parseRequest('getSubbands', { clipId: 'c', t: 0, levels: 9 })).toThrow(/levels/);
    expect(() => parseRequest('getFrame', { clipId: 'c', t: 0, extra: 1 })).toThrow(/invalid getFrame request/);
    expect(() => parseRequest('cancel', {})).toThrow(expect.objectContaining({ name: 'ApiError', code: 'BAD_REQUEST' }));
  });

  it('checks typed arrays by kind, including after the wire codec', () => {
    const req = { taskId: 't1', source: { kind: 'bytes', name: 'a.mp4', bytes: new Uint8Array([1, 2, 3]) } };
    expect(parseRequest('openVideo', decodeWire(encodeWire(req)))).toEqual(req);
    const wrongKind = { ...req, source: { ...req.source, bytes: new Float32Array([1]) } };
    expect(() => parseRequest('openVideo', wrongKind)).toThrow(/expected a Uint8Array/);
    const empty = { ...req, source: { ...req.source, bytes: new Uint8Array(0) } };
    expect(() => parseRequest('openVideo', empty)).toThrow(/between 1 byte/);
    expect(() => parseRequest('openVideo', { taskId: 't', source: { kind: 'url', path: 'x' } })).toThrow(/invalid openVideo request/);
  });

  it('validates a subbands response down to the tile data', () => {
    const tile = (name: string) => ({ name, width: 2, height: 1, data: new Float32Array([0.5, -1]), min: -1, max: 0.5 });
    const response = {
      clipId: 'clip-1',
      frame: 0,
      levels: [{ level: 1, coefficientFrame: 0, tiles: SUBBANDS_3D.map(tile) }],
      energy: {
        levels: [{ level: 1, frames: 1, total: 2, subbands: SUBBANDS_3D.map((name) => ({ name, energy: 0.25, share: 0.125, shareOfTotal: 0.125, perFrame: [{ energy: 0.25, share: 0.125 }] })) }],
        total: 2,
        note: 'n',
      },
      note: 'tiles',
    };
    const parsed = parseResponse('getSubbands', decodeWire(encodeWire(response)));
    expect(parsed.levels[0].tiles.map((t) => t.name)).toEqual([...SUBBANDS_3D]);
    expect(Array.from(parsed.levels[0].tiles[7].data)).toEqual([0.5, -1]);
    const bad = { ...response, levels: [{ ...response.levels[0], tiles: [{ ...tile('XYZ') }] }] };
    expect(() => parseResponse('getSubbands', bad)).toThrow(/invalid getSubbands response/);
    const nan = { ...response, energy: { ...response.energy, total: Number.NaN } };
    expect(() => parseResponse('getSubbands', nan)).toThrow(/energy.total/);
  });

  it('parses events and ignores unknown ones', () => {
    expect(parseEvent({ type: 'progress', taskId: 't', phase: 'decode', done: 3, total: 10 })).toEqual({
      type: 'progress', taskId: 't', phase: 'decode', done: 3, total: 10,
    });
    expect(parseEvent({ type: 'progress', taskId: 't', phase: 'decode', done: -1, total: 10 })).toBeUndefined();
    expect(parseEvent({ type: 'other' })).toBeUndefined();
  });

  it('turns thrown values into the wire error shape, keeping engine codes', () => {
    const videoErr = Object.assign(new Error('not a video: x.txt'), { code: 'NOT_A_VIDEO' });
    expect(toApiErrorShape(videoErr)).toEqual({ code: 'NOT_A_VIDEO', message: 'not a video: x.txt' });
    expect(toApiErrorShape(new Error('boom'))).toEqual({ code: 'INTERNAL', message: 'boom' });
    expect(toApiErrorShape(Object.assign(new Error('x'), { name: 'AbortError' }))).toEqual({ code: 'CANCELLED', message: 'cancelled' });
    expect(toApiErrorShape('plain')).toEqual({ code: 'INTERNAL', message: 'plain' });
  });
});
