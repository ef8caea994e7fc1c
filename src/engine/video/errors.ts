// The one error type of video I/O. `code` lets callers (CLI, app, serve mode)
// react without parsing text; `message` says what is wrong and what to do.
export type VideoErrorCode =
  | 'not_found'
  | 'not_a_video'
  | 'no_frames'
  | 'corrupt'
  | 'too_large'
  | 'timeout'
  | 'cancelled'
  | 'bad_option'
  | 'ffmpeg_missing'
  | 'ffmpeg_failed'
  /** The tool died from a signal nobody sent it: a crash (SIGSEGV, SIGABRT...) or the OOM killer. */
  | 'tool_crashed';

export class VideoError extends Error {
  override name = 'VideoError';
  constructor(
    readonly code: VideoErrorCode,
    message: string,
    /** The numbers behind the message, for a host that says what to do in its own terms (too_large: see plan.ts). */
    readonly detail?: Readonly<Record<string, number>>,
  ) {
    super(message);
  }
}

export function isVideoError(e: unknown, code?: VideoErrorCode): e is VideoError {
  return e instanceof VideoError && (code === undefined || e.code === code);
}

export function cancelledError(what: string): VideoError {
  return new VideoError('cancelled', `${what} was cancelled`);
}
