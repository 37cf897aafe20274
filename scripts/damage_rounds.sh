#!/usr/bin/env bash
# The training rounds of the shipped damage-unet (issue 31), as they were run on a 2-core CPU
# (one job at a time; each round continues from the previous one's export, so a fresh checkout
# continues from resources/weights/damage-unet.safetensors):
#   bash scripts/damage_rounds.sh r1|r2|r3 [DATA]
# r1  from scratch on the whole photo mix: photos enlarged 1.5-3x, synthetic damage
#     (core.colorize.damage.TRAIN_MIX, a fifth of the crops clean), 192 px crops, batch 8,
#     BCE (damage x3) + soft Dice, Adam 1e-3; 40 min (trainer/presets/damage-unet-cpu.toml).
# r2  from r1's export: the rate halved (5e-4), 160 px crops in batches of 12 (more crops a
#     minute), the moving average over ~100 steps (ema 0.99: r1's 0.998 lagged the net by
#     thousands of steps while it learned fast); 45 min.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PY:-.venv/bin/python}"
DATA="${2:-${DATA:-../shared/data/photos}}"
case "${1:-}" in
  r1) "$PY" -m trainer damage-unet --config trainer/presets/damage-unet-cpu.toml --data "$DATA" \
        --out runs/damage-r1 --time-budget "${MINUTES:-40}" ;;
  r2) "$PY" -m trainer damage-unet --config trainer/presets/damage-unet-cpu.toml --data "$DATA" \
        --init "${INIT:-runs/damage-r1/model.safetensors}" --set lr=5e-4 --set image_size=160 --set batch_size=12 \
        --set ema=0.99 --out runs/damage-r2 --time-budget "${MINUTES:-45}" ;;
  *) echo "usage: bash scripts/damage_rounds.sh r1|r2|r3 [DATA]" >&2; exit 2 ;;
esac
