#!/usr/bin/env bash
# One round of effnet-unet training on a lent GPU machine (the `device` tool), prepared and
# tested here on the CPU first:  bash scripts/gpu_round.sh --cpu-check
#
# On the GPU machine (from the repo root; gpu_data/ made by scripts/pack_photos.py --side 96
# and named in the run's carry -- the photo mix is 245 MB, the carry limit 64 MiB -- weights
# come back in $OUT):
#   bash scripts/gpu_round.sh MINUTES
# Continues the shipped colorizer (resources/weights/effnet-unet.safetensors holds its own
# fine-tuned ImageNet encoder, so the GPU machine needs no encoder wheel) with the shipped
# recipe (trainer/presets/effnet-unet-cpu.toml) at 160² crops, batch 64, mixed precision;
# exports fp16 weights and scores them per kind of photo (bench/quality) into $OUT.
#   bash scripts/gpu_round.sh --throughput      (issue 36, item 5; no data needed)
# Frames/s of the default colorizer on 1080p frames by batch size (bench/gpu_throughput.py):
# the network alone and the whole frame step, and the batch size that fills the GPU; the
# table goes to $OUT/throughput.md.  Tried here with:  bash scripts/gpu_round.sh --throughput-cpu
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MIN="${1:-8}"
OUT="${OUT:-runs/gpu-out}"
DATA="${DATA:-gpu_data}"
INIT="${INIT:-resources/weights/effnet-unet.safetensors}"
mkdir -p "$OUT"
# Here: the project's venv.  There: the machine's own python3, which holds torch, OpenCV,
# Pillow and safetensors (nothing can be installed there); the repo root is on sys.path.
PY="${PY:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
case "$MIN" in
  --throughput) "$PY" -m bench.gpu_throughput --device cuda | tee "$OUT/throughput.md"; exit 0 ;;
  --throughput-cpu) "$PY" -m bench.gpu_throughput --device cpu --size 320x180 --frames 4 --batches 1,2 \
        | tee "$OUT/throughput.md"; exit 0 ;;
esac
[ -f "$INIT" ] || { echo "no $INIT to continue from" >&2; exit 2; }
# The model's config (a bin head, its mix) comes from the weights' metadata via --init.
model_cfg=$("$PY" -c "import json,sys; from colorstudio.core.io.checkpoint import read_metadata
c = read_metadata(sys.argv[1]).get('config', {})
print(' '.join(f'--set model.{k}={json.dumps(v, separators=(\",\", \":\"))}' for k, v in c.items()))" "$INIT")
# shellcheck disable=SC2206
common=(--config trainer/presets/effnet-unet-cpu.toml --data "$DATA" --init "$INIT" $model_cfg
        --set pretrained=false --set freeze_steps=0 --set image_size=160 --set val_images=256
        --set val_every=500)
if [ "$MIN" = "--cpu-check" ]; then
  rm -rf runs/gpu-check
  "$PY" -m trainer effnet-unet "${common[@]}" --out runs/gpu-check --set max_steps=2 --set batch_size=4 \
        --set val_images=8 --device cpu
  "$PY" -m trainer export runs/gpu-check -o "$OUT/effnet-unet-gpu.safetensors"
  echo "cpu check ok"
  exit 0
fi
"$PY" -m trainer effnet-unet "${common[@]}" --out runs/gpu --set batch_size=64 --set lr=5e-4 \
      --set num_workers=8 --set cache=true --time-budget "$MIN" --device cuda 2>&1 | tail -5
"$PY" -m trainer export runs/gpu -o "$OUT/effnet-unet-gpu.safetensors"
cp runs/gpu/metrics.jsonl "$OUT/"
"$PY" -m bench.quality --photos "$DATA" --weights "$OUT/effnet-unet-gpu.safetensors" --out "$OUT/quality.md" \
      --limit 200 | tail -40
