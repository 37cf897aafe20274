#!/usr/bin/env bash
# Training rounds of effnet-hints, the hint adapter over the shipped colorizer (2 CPU cores,
# one job at a time, in the background with a time budget; docs/models.md has the results).
#
#   scripts/hint_rounds.sh adapter1 [DATA]   from the shipped colorizer, the adapter from zero
#   scripts/hint_rounds.sh more WEIGHTS [DATA]   continue from a round's weights: a run's
#       model.safetensors, or the committed adapter (bench/weights/effnet-hints-adapter1.safetensors:
#       the adapter's tensors only; --init completes it from the shipped colorizer)
#
# Score a round (10 truth hints, 8 photos per kind; the default's hint step alone is the bar):
#   python -m bench.quality --models effnet-hints --weights W --limit 8 --out /tmp/q.md
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PY:-.venv/bin/python}"
case "${1:-}" in
  adapter1) "$PY" -m trainer effnet-hints --config trainer/presets/effnet-hints-cpu.toml \
        --data "${2:-../shared/data/photos}" --init resources/weights/effnet-unet.safetensors \
        --out runs/hints-adapter1 --time-budget "${MINUTES:-75}" ;;
  more) "$PY" -m trainer effnet-hints --config trainer/presets/effnet-hints-cpu.toml \
        --data "${3:-../shared/data/photos}" --init "$2" --set lr="${LR:-3e-3}" \
        --out "runs/hints-more" --time-budget "${MINUTES:-60}" ;;
  *) echo "usage: $0 adapter1 [DATA] | more WEIGHTS [DATA]" >&2; exit 2 ;;
esac
