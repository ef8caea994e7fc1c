"""ffmpeg-based decoding shared by data preparation and evaluation."""
import json
import math
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


def eval_size(w: int, h: int, short_side: int) -> Tuple[int, int]:
    """Short side set to short_side, the long side rounded half up (as the
    app's decoder does)."""
    if w <= h:
        return short_side, max(1, int(math.floor(h * short_side / w + 0.5)))
    return max(1, int(math.floor(w * short_side / h + 0.5))), short_side


def load_eval_clip(path: str, short_side: int = 256, frames: int = 33) -> np.ndarray:
    """The evaluation protocol, identical to the app's (`wfvae reconstruct
    --size S --frames T`): scale the short side to short_side (area filter when
    shrinking, bicubic when enlarging; accurate rounding, full chroma
    interpolation), centre-crop both sides down to multiples of 8, first
    `frames` frames. Returns (T, H, W, 3) uint8."""
    w0, h0, _, _ = probe(path)
    w, h = eval_size(w0, h0, short_side)
    algo = "area" if w <= w0 and h <= h0 else "bicubic"
    cw, ch = w - w % 8, h - h % 8
    vf = f"scale={w}:{h}:flags={algo}+accurate_rnd+full_chroma_int,format=rgb24"
    if (cw, ch) != (w, h):
        vf += f",crop={cw}:{ch}:{(w - cw) // 2}:{(h - ch) // 2}"
    cmd = [FFMPEG, "-v", "error", "-nostdin", "-i", path, "-map", "0:v:0", "-frames:v", str(frames),
           "-vf", vf, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    n = cw * ch * 3
    got = len(raw) // n
    if got < frames:
        raise ValueError(f"{path}: only {got} frames decoded, {frames} needed")
    return np.frombuffer(raw[: frames * n], dtype=np.uint8).reshape(frames, ch, cw, 3).copy()


def load_image(path: str, short_side: int) -> np.ndarray:
    """One still image as RGB uint8, short side resized to short_side."""
    w, h, _, _ = probe(path)
    if min(w, h) > short_side:
        w, h = scaled_size(w, h, short_side)
    cmd = [FFMPEG, "-v", "error", "-nostdin", "-i", path, "-frames:v", "1",
           "-vf", f"scale={w}:{h}:flags=bicubic", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    return np.frombuffer(raw[: w * h * 3], dtype=np.uint8).reshape(h, w, 3).copy()
