import {
  API_METHOD_NAMES,
  ApiError,
  ERROR_CODES,
  ipcEnvelopeSchema,
  parseEvent,
  parseResponse,
  type ApiEvent,
  type ApiMethodName,
  type WfvaeApi,
} from '../../../shared/contract';
import type { WfvaePreloadApi } from '../../../shared/preload-api';
import type { Transport } from './transport';

export function electronTransport(bridge: WfvaePreloadApi): Transport {
  const call = async (method: ApiMethodName, request: unknown): Promise<unknown> => {
    const envelope = ipcEnvelopeSchema.safeParse(await bridge.invoke(method, request));
    if (!envelope.success) throw new ApiError(ERROR_CODES.internal, `the app's main process sent a malformed ${method} reply`);
    if (!envelope.data.ok) throw new ApiError(envelope.data.error.code, envelope.data.error.message);
    return parseResponse(method, envelope.data.value);
  };
  const api = Object.fromEntries(API_METHOD_NAMES.map((m) => [m, (req: unknown) => call(m, req)])) as unknown as WfvaeApi;
  api.onEvent = (listener: (e: ApiEvent) => void) =>
    bridge.onEvent((raw) => {
      const event = parseEvent(raw);
      if (event) listener(event);
    });
  return {
    kind: 'electron',
    api,
    async sourceForFile(file) {
      const path = bridge.getPathForFile(file);
      if (!path) throw new ApiError(ERROR_CODES.badRequest, `"${file.name}" has no path on disk; save it to a file first, then open that`);
      return { kind: 'path', path };
    },
    chooseVideoFile: () => bridge.chooseVideoFile(),
    saveExport: (file) => bridge.saveExport(file.exportId),
    saveBytes: (fileName, bytes) => bridge.saveBytes(fileName, bytes),
    prefs: { load: () => bridge.loadPrefs(), save: (value) => bridge.savePrefs(value) },
  };
}
