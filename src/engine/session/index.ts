// The engine session: the app's API implemented off the calling thread.
export { SessionCore, type EventSink } from './session-core';
export { WorkerSession, type WorkerFactory } from './worker-session';
export { defaultDecodeOptions, DEFAULT_MAX_FRAMES } from './default-frames';
