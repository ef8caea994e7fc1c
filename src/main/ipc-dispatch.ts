// One IPC call, without Electron: validate the renderer's request against the
// contract, run it on the session, and wrap the outcome in the envelope the
// renderer expects ({ok, value} or {ok: false, error: {code, message}}).
import { parseRequest, toApiErrorShape, type ApiErrorShape, type ApiMethodName } from '../shared/contract';
import type { WorkerSession } from '../engine/session/worker-session';

export type IpcEnvelope = { ok: true; value: unknown } | { ok: false; error: ApiErrorShape };

export async function dispatchIpc(session: Pick<WorkerSession, 'call'>, method: ApiMethodName, raw: unknown): Promise<IpcEnvelope> {
  try {
    const request = parseRequest(method, raw);
    return { ok: true, value: await session.call(method, request) };
  } catch (err) {
    return { ok: false, error: toApiErrorShape(err) };
  }
}
