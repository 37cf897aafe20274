#!/usr/bin/env bash
# Training rounds of effnet-hints, the hint adapter over the shipped colorizer (2 CPU cores,
# one job at a time, in the background with a time budget; docs/models.md has the results).
#
#   scripts/hint_rounds.sh adapter1 [DATA]   from the shipped colorizer, the adapter from zero
#   scripts/hint_rounds.sh more RUN [DATA]   continue from RUN's exported weights (a later session)
#
# Score a round: python -m bench.quality --hints-bench --models effnet-hints=RUN/model.safetensors
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PY:-.venv/bin/python}"
case "${1:-}" in
  adapter1) "$PY" -m trainer effnet-hints --config trainer/presets/effnet-hints-cpu.toml \
        --data "${2:-../shared/data/photos}" --init resources/weights/effnet-unet.safetensors \
        --out runs/hints-adapter1 --time-budget "${MINUTES:-75}" ;;
  more) "$PY" -m trainer effnet-hints --config trainer/presets/effnet-hints-cpu.toml \
        --data "${3:-../shared/data/photos}" --init "$2/model.safetensors" --set lr=5e-4 \
        --out "$2-more" --time-budget "${MINUTES:-60}" ;;
  *) echo "usage: $0 adapter1|more RUN [DATA]" >&2; exit 2 ;;
esac
