"""Pack the training photo mix small enough to travel to a lent GPU machine (64 MiB).

    python scripts/pack_photos.py [--src ../shared/data/photos] [--out gpu_data] [--side 112] [--quality 80]

Re-encodes every photo (short side at most ``--side``, JPEG ``--quality``) into the same
folder layout under ``--out`` (git-ignored), so the held-out rule (every 20th file per
folder, by name) picks the same files there.  Prints the size; lower ``--side`` or
``--quality`` until it fits.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2

from trainer import data as tdata

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, default=ROOT.parent / "shared" / "data" / "photos")
    ap.add_argument("--out", type=Path, default=ROOT / "gpu_data")
    ap.add_argument("--side", type=int, default=112)
    ap.add_argument("--quality", type=int, default=80)
    a = ap.parse_args(argv)
    files = tdata.list_images(a.src)

    def pack(f: Path) -> int:
        img = cv2.imread(str(f), cv2.IMREAD_COLOR)
        if img is None:
            return 0
        h, w = img.shape[:2]
        s = a.side / min(h, w)
        if s < 1:
            img = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        dst = a.out / f.relative_to(a.src).with_suffix(".jpg")
        dst.parent.mkdir(parents=True, exist_ok=True)
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, a.quality])
        dst.write_bytes(buf.tobytes())
        return len(buf)

    with ThreadPoolExecutor(4) as pool:
        total = sum(pool.map(pack, files))
    print(f"{len(files)} photos -> {a.out}: {total / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
