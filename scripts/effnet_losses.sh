#!/usr/bin/env bash
# The loss comparison of effnet-unet on equal budgets, each arm continuing from the same
# weights (a round's export) for the same number of steps (batches of 16), one at a time
# (steps, not minutes: a busy machine would otherwise give the arms unequal budgets):
#   bash scripts/effnet_losses.sh INIT.safetensors STEPS [ARM ...]
# SETS="age_p=0.5 ..." adds the same --set overrides to every arm.
# arms: l1 | hybrid (l1 + 313-bin head, rebalanced CE, annealed mean) | gan (l1 + Lab
# discriminator, the unet-gan ratio) | hybrid-gan.  Runs go to runs/loss-<arm>; a stopped
# arm resumes when the script is run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
INIT="$1"; STEPS="$2"; shift 2
ARMS=("$@"); [ ${#ARMS[@]} -gt 0 ] || ARMS=(l1 hybrid gan)
PY="${PY:-.venv/bin/python}"
DATA="${DATA:-../shared/data/photos}"
common=(--config trainer/presets/effnet-unet-cpu.toml --data "$DATA" --init "$INIT"
        --set freeze_steps=0 --set lr=5e-4 --set loss=l1 --set max_steps="$STEPS")
for kv in ${SETS:-}; do common+=(--set "$kv"); done
for arm in "${ARMS[@]}"; do
  case "$arm" in
    l1) extra=() ;;
    hybrid) extra=(--set model.bins_head=true --set bin_weight=0.1) ;;
    gan) extra=(--set pixel_weight=100 --set adv_weight=1 --set discriminator_config.base=16) ;;
    hybrid-gan) extra=(--set model.bins_head=true --set bin_weight=10 --set pixel_weight=100 --set adv_weight=1
                       --set discriminator_config.base=16) ;;
    *) echo "unknown arm $arm" >&2; exit 2 ;;
  esac
  out="runs/loss-$arm"
  resume=(); [ -f "$out/checkpoints/last.pt" ] && resume=(--resume)   # at STEPS already: exports again
  "$PY" -m trainer effnet-unet "${common[@]}" "${extra[@]}" --out "$out" "${resume[@]}" 2>&1 | tail -2
done
