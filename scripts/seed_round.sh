#!/usr/bin/env bash
# The seed comparison's training round (docs/models.md): every seed family, and the three
# losses of the zhang-bins poster, each on the same budget (its preset: 2000 steps of 16
# crops at 112²), one job at a time, on the photo mix.  Weights land in runs/seed-NAME/.
#   bash scripts/seed_round.sh [NAME ...]      (default: all; DATA=../shared/data/photos)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DATA="${DATA:-../shared/data/photos}"
PY="${PY:-.venv/bin/python}"
CAP="${CAP:-30}"   # minutes: a safety cap, the step budget ends each run first
declare -A RECIPE=([iizuka-lite]=iizuka-lite [resgan]=resgan [perceptual]=perceptual
                   [zhang-ce]=zhang-bins [zhang-mse]=zhang-bins [zhang-smoothl1]=zhang-bins)
declare -A EXTRA=([zhang-mse]="--set loss=mse --set model.temperature=1.0"
                  [zhang-smoothl1]="--set loss=smoothl1 --set model.temperature=1.0")
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(zhang-ce zhang-mse zhang-smoothl1 iizuka-lite perceptual resgan)
for name in "${names[@]}"; do
  recipe="${RECIPE[$name]:?unknown seed run $name}"
  run="runs/seed-$name"
  resume=(); [ -f "$run/config.json" ] && resume=(--resume)
  # shellcheck disable=SC2086
  "$PY" -m trainer "$recipe" --config "trainer/presets/$recipe-cpu.toml" --data "$DATA" \
      --out "$run" --time-budget "$CAP" --set threads=2 ${EXTRA[$name]:-} "${resume[@]}"
  "$PY" -m trainer export "$run" -o "$run/$name.safetensors" --card
done
