"""ffmpeg-based decoding shared by data preparation and evaluation."""
import json
import subprocess
from typing import Iterator, Optional, Tuple

import numpy as np

FFMPEG = "/usr/bin/ffmpeg"
FFPROBE = "/usr/bin/ffprobe"


def probe(path: str) -> Tuple[int, int, float, float]:
    """(width, height, fps, duration_s) of the first video stream."""
    out = subprocess.run(
        [FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height,avg_frame_rate,r_frame_rate:format=duration", "-of", "json", path],
        check=True, capture_output=True, text=True,
    ).stdout
    info = json.loads(out)
    if not info.get("streams"):
        raise ValueError(f"{path}: no video stream")
    s = info["streams"][0]

    def rate(r: str) -> float:
        n, d = (r.split("/") + ["1"])[:2]
        return float(n) / float(d) if float(d) else 0.0

    fps = rate(s.get("avg_frame_rate", "0/1")) or rate(s.get("r_frame_rate", "0/1")) or 25.0
    dur = float(info.get("format", {}).get("duration", "0") or 0)
    return int(s["width"]), int(s["height"]), fps, dur


def scaled_size(w: int, h: int, short_side: int) -> Tuple[int, int]:
    """Size with the short side set to short_side, even dimensions."""
    if w <= h:
        nw, nh = short_side, round(h * short_side / w)
    else:
        nw, nh = round(w * short_side / h), short_side
    return nw + (nw % 2), nh + (nh % 2)


def iter_frames(path: str, short_side: Optional[int] = None, max_frames: Optional[int] = None) -> Iterator[np.ndarray]:
    """Yields RGB uint8 frames (H, W, 3), optionally resized (bicubic) so the
    short side is short_side; never upscales beyond the source."""
    w, h, _, _ = probe(path)
    if short_side is not None and min(w, h) > short_side:
        w, h = scaled_size(w, h, short_side)
    cmd = [FFMPEG, "-v", "error", "-nostdin", "-i", path, "-map", "0:v:0",
           "-vf", f"scale={w}:{h}:flags=bicubic", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    if max_frames is not None:
        cmd[-7:-7] = ["-frames:v", str(max_frames)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    n = w * h * 3
    try:
        while True:
            buf = proc.stdout.read(n)
            if len(buf) < n:
                break
            yield np.frombuffer(buf, dtype=np.uint8).reshape(h, w, 3)
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()


def load_eval_clip(path: str, short_side: int = 256, frames: int = 33) -> np.ndarray:
    """The evaluation protocol: scale the short side to short_side (bicubic),
    centre-crop both sides down to multiples of 8, first `frames` frames.
    Returns (T, H, W, 3) uint8."""
    w, h, _, _ = probe(path)
    w, h = scaled_size(w, h, short_side)
    cmd = [FFMPEG, "-v", "error", "-nostdin", "-i", path, "-map", "0:v:0", "-frames:v", str(frames),
           "-vf", f"scale={w}:{h}:flags=bicubic", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    got = len(raw) // (w * h * 3)
    if got < frames:
        raise ValueError(f"{path}: only {got} frames decoded, {frames} needed")
    v = np.frombuffer(raw[: frames * w * h * 3], dtype=np.uint8).reshape(frames, h, w, 3)
    ch, cw = h - h % 8, w - w % 8
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    return np.ascontiguousarray(v[:, y0 : y0 + ch, x0 : x0 + cw])


def load_image(path: str, short_side: int) -> np.ndarray:
    """One still image as RGB uint8, short side resized to short_side."""
    w, h, _, _ = probe(path)
    if min(w, h) > short_side:
        w, h = scaled_size(w, h, short_side)
    cmd = [FFMPEG, "-v", "error", "-nostdin", "-i", path, "-frames:v", "1",
           "-vf", f"scale={w}:{h}:flags=bicubic", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    return np.frombuffer(raw[: w * h * 3], dtype=np.uint8).reshape(h, w, 3).copy()
