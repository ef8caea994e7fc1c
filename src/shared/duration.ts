// Durations as people read them, the same in the CLI and the app: whole
// seconds (rounded once, so 59.6 s is 1:00, never 0:60), "N s" under two
// minutes, then m:ss, then h:mm:ss.

/** "35 s", "4:05", "1:02:09". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  return clock(s);
}

/** Always a clock: "0:35", "4:05", "1:02:09" (an ETA). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
