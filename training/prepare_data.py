"""Decodes the fetched videos and photographs into one compact uint8 file,
training/data/clips.safetensors:
  video.<i>  (T, H, W, 3) uint8  segments of real video, short side <= --short-side
  photo.<j>  (H, W, 3)    uint8  photographs, short side <= --photo-short-side
The __metadata__ lists each tensor's source. Crops, flips, frame-rate jitter
and the synthetic camera moves over photographs happen at training time.

Held out (never written here): the validation clip (--val) and vtest.avi (the
separate benchmark)."""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import videoio  # noqa: E402
from wfvae.safetensors_io import save_file  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VAL_DEFAULT = "balle-jbart.mp4"
BENCHMARK = "vtest.avi"


def segments(path: str, short_side: int, max_frames: int, seg_len: int):
    """Evenly spread segments of seg_len consecutive frames, at most
    max_frames in total, streamed so long videos never sit in memory."""
    _, _, fps, dur = videoio.probe(path)
    est = max(1, int(fps * dur))
    n_seg = max(1, max_frames // seg_len)
    period = max(seg_len, est // n_seg)
    cur, out = [], []
    for i, frame in enumerate(videoio.iter_frames(path, short_side)):
        if i % period < seg_len:
            cur.append(frame)
            if len(cur) == seg_len:
                out.append(np.stack(cur))
                cur = []
                if len(out) * seg_len >= max_frames:
                    break
        elif cur:
            cur = []
    if not out and len(cur) >= 9:
        out.append(np.stack(cur))  # short videos: keep what exists
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--short-side", type=int, default=192)
    ap.add_argument("--photo-short-side", type=int, default=384)
    ap.add_argument("--max-frames-per-video", type=int, default=400)
    ap.add_argument("--segment", type=int, default=50)
    ap.add_argument("--val", default=VAL_DEFAULT, help="file name of the held-out validation video")
    args = ap.parse_args()

    with open(os.path.join(args.data, "videos.txt")) as f:
        videos = [l.strip() for l in f if l.strip()]
    with open(os.path.join(args.data, "photos.txt")) as f:
        photos = [l.strip() for l in f if l.strip()]
    if not videos:
        sys.exit("no videos listed: run training/fetch_data.sh first")

    tensors, sources = {}, {}
    total = 0
    for path in videos:
        name = os.path.basename(path)
        if name in (args.val, BENCHMARK):
            print(f"[prepare] {name}: held out ({'validation' if name == args.val else 'benchmark'})")
            continue
        try:
            segs = segments(path, args.short_side, args.max_frames_per_video, args.segment)
        except Exception as e:  # a broken file must not stop the rest
            print(f"[prepare] {name}: skipped ({e})")
            continue
        if not segs:
            print(f"[prepare] {name}: skipped (fewer than 9 decodable frames)")
            continue
        for s in segs:
            key = f"video.{len(sources)}"
            tensors[key] = torch.from_numpy(s)
            sources[key] = name
            total += s.shape[0]
        print(f"[prepare] {name}: {len(segs)} segment(s), {sum(s.shape[0] for s in segs)} frames of {segs[0].shape[2]}x{segs[0].shape[1]}")
    n_photo = 0
    for path in photos:
        try:
            im = videoio.load_image(path, args.photo_short_side)
        except Exception as e:
            print(f"[prepare] {os.path.basename(path)}: skipped ({e})")
            continue
        if min(im.shape[:2]) < 128:
            continue
        key = f"photo.{n_photo}"
        tensors[key] = torch.from_numpy(im)
        sources[key] = os.path.relpath(path, args.data)
        n_photo += 1
    out = os.path.join(args.data, "clips.safetensors")
    save_file(tensors, out, metadata={"sources": json.dumps(sources), "val": args.val, "benchmark": BENCHMARK})
    mb = os.path.getsize(out) / 1e6
    print(f"[prepare] wrote {out}: {total} video frames, {n_photo} photographs, {mb:.0f} MB")


if __name__ == "__main__":
    main()
