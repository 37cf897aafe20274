#!/usr/bin/env bash
# One round of colorizer training on a lent GPU machine (the `device` tool), prepared and
# tested here on the CPU first:  bash scripts/gpu_round.sh --cpu-check
#
# On the GPU machine (from the repo root; gpu_data/ made by scripts/pack_photos.py --side 96
# and named in the run's carry -- the photo mix is 245 MB, the carry limit 64 MiB -- weights
# come back in $OUT):
#   bash scripts/gpu_round.sh MINUTES
# Trains a wider U-Net (base 32, 4.9 M parameters, ~10 MB in fp16) on the whole mix at
# 128² with batch 64 and mixed precision, starting from the shipped colorizer's recipe;
# exports fp16 weights and scores them per kind of photo (bench/quality) into $OUT.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MIN="${1:-8}"
OUT="${OUT:-runs/gpu-out}"
DATA="${DATA:-gpu_data}"
mkdir -p "$OUT"
# Here: the project's venv.  There: the machine's own python3, which holds torch, OpenCV,
# Pillow and safetensors (nothing can be installed there); the repo root is on sys.path.
PY="${PY:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
common=(--config trainer/presets/unet-gan-cpu.toml --data "$DATA" --set model.base=32
        --set discriminator_config.base=32 --set image_size=128 --set val_images=256 --set val_every=500)
if [ "$MIN" = "--cpu-check" ]; then
  rm -rf runs/gpu-check
  "$PY" -m trainer unet-gan "${common[@]}" --out runs/gpu-check --set max_steps=2 --set batch_size=4 \
        --set val_images=8 --device cpu
  "$PY" -m trainer export runs/gpu-check -o "$OUT/unet-gan-gpu.safetensors"
  echo "cpu check ok"
  exit 0
fi
"$PY" -m trainer unet-gan "${common[@]}" --out runs/gpu --set batch_size=64 --set lr=5e-4 \
      --set num_workers=8 --time-budget "$MIN" --device cuda 2>&1 | tail -5
"$PY" -m trainer export runs/gpu -o "$OUT/unet-gan-gpu.safetensors"
cp runs/gpu/metrics.jsonl "$OUT/"
"$PY" -m bench.quality --photos "$DATA" --weights "$OUT/unet-gan-gpu.safetensors" --out "$OUT/quality.md" \
      --limit 200 | tail -30
