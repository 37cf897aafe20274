"""colorstudio-train: train, list recipes, export, evaluate.

  colorstudio-train RECIPE --data DIR [--out RUN] [--epochs N] [--nproc N] [--resume]
                    [--time-budget MIN] [--device auto|cpu|cuda] [--config FILE.toml]
                    [--set key=value ...] [--vgg-weights PATH] [--init WEIGHTS]
  colorstudio-train recipes
  colorstudio-train export RUN -o FILE.safetensors [--card]
  colorstudio-train evaluate CHECKPOINT --data DIR [--out DIR]

--nproc N (N > 1) re-launches itself under 'python -m torch.distributed.run';
'torchrun --nproc_per_node N -m trainer ...' works as well.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path

from colorstudio.core.inference.devices import DEVICE_CHOICES
from colorstudio.core.messages import shown

COMMANDS = ("recipes", "export", "evaluate")
PRESETS = Path(__file__).resolve().parent / "presets"   # the shipped weights' CPU settings: <recipe>-cpu.toml


def _train_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="colorstudio-train", description="Train a ColorStudio model family.")
    p.add_argument("recipe", help="recipe name (see 'colorstudio-train recipes')")
    p.add_argument("--data", help="training data folder")
    p.add_argument("--out", help="run folder (default runs/<recipe>-<time>)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--nproc", type=int, default=1, help="processes (DDP under torchrun when > 1)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument("--time-budget", type=float, metavar="MIN",
                   help="stop cleanly (checkpoint, validation, export) after MIN minutes of this session")
    p.add_argument("--device", choices=DEVICE_CHOICES,
                   help="mps trains on the CPU (BN + GAN training on MPS is unreliable)")
    p.add_argument("--config", metavar="FILE",
                   help="TOML file of config overrides (with --resume: checked as --set is, so it may "
                        "change only what a resumed run may)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                   help="override a config field (dotted keys for model.*), repeatable")
    p.add_argument("--vgg-weights", metavar="PATH", help="VGG16 weights (torchvision layout) for the perceptual loss")
    p.add_argument("--init", metavar="WEIGHTS", help="start from these weights (extra input channels zeroed)")
    p.add_argument("--threads", type=int, help="torch CPU threads")
    return p


def _launch_torchrun(argv: list[str], nproc: int) -> int:
    rest, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--nproc":
            skip = True
            continue
        if a.startswith("--nproc="):
            continue
        rest.append(a)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
           "-m", "trainer", *rest]
    return subprocess.call(cmd)


def cmd_train(argv: list[str]) -> int:
    from trainer.config import ConfigError, make_config, resume_config

    args = _train_parser().parse_args(argv)
    if args.nproc < 1:
        raise ConfigError("--nproc must be >= 1")
    if args.nproc > 1 and "WORLD_SIZE" not in os.environ:
        return _launch_torchrun(argv, args.nproc)
    fields = dict(data=args.data, epochs=args.epochs, time_budget=args.time_budget, device=args.device,
                  vgg_weights=args.vgg_weights, init=args.init, threads=args.threads)
    out = args.out
    if args.resume:
        if not out:
            raise ConfigError("--resume needs --out RUN_DIR (the run to continue)")
        cfg = resume_config(out, args.recipe, args.overrides, file=args.config, **fields)
    else:
        cfg = make_config(args.recipe, args.config, args.overrides, **fields)
        if not out:
            from colorstudio.core.io.runs import new_run_folder

            out = str(new_run_folder("runs", args.recipe))
    cfg.out = str(out)
    for folder in (cfg.data, cfg.val_data):
        if folder and Path(out).resolve().is_relative_to(Path(folder).resolve()):
            # its sample images and checkpoints would become training data on the next run
            raise ConfigError(f"--out {out} is inside the data folder {folder}: choose a run folder outside it")
    from trainer.engine.loop import train

    result = train(cfg, out, resume=args.resume)
    if int(os.environ.get("RANK", "0")) == 0:
        val = result.get("val", {})
        vals = ", ".join(f"{k} {v:.4g}" for k, v in sorted(val.items()))
        print(f"{result['reason']}: step {result['step']}, epoch {result['epoch']}; {vals}")
        print(f"run folder: {shown(out)}; weights: {shown(result.get('model'))}")
    return 0


def recipe_summaries() -> list[dict]:
    """Each recipe as plain facts and sentences (``recipes --json``): the recipes' own
    (``core.training.recipes.summaries``, which the Train tab reads in-process too) with the
    registry's shipped weights and default colorizer, and this trainer's presets."""
    from colorstudio.models import registry
    from trainer.recipes import summaries

    shipped = {s.name: s.weights_path() for s in registry.available() if s.has_weights}
    return [s.to_json() for s in summaries(PRESETS, shipped, registry.default_model("colorize"))]


def cmd_recipes(argv: list[str]) -> int:
    from trainer.recipes import summaries

    if argv and argv[0] == "--json":
        import json

        print(json.dumps(recipe_summaries(), indent=1))
        return 0
    if argv:
        from trainer.settings import ConfigError

        raise ConfigError(f"recipes takes only --json, not {' '.join(argv)}")
    for r in summaries():
        print(f"{r.name:16s} {r.family:16s} {r.task:9s} lr {r.lr:g}, batch {r.batch_size}, "
              f"{r.image_size}px, loss {r.loss}  -- {r.description}")
    return 0


def cmd_export(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="colorstudio-train export")
    p.add_argument("run", help="run folder or checkpoint .pt")
    p.add_argument("-o", "--output", required=True, help="output .safetensors")
    p.add_argument("--fp32", action="store_true", help="keep float32 (default fp16)")
    p.add_argument("--render-size", type=int, default=0,
                   help="the size the weights render best at (stored in them; default: the family's)")
    p.add_argument("--card", action="store_true",
                   help="also evaluate on the run's held-out data and write the model card <output>.md")
    p.add_argument("--limit", type=int, default=0, help="--card: evaluate only N held-out images")
    p.add_argument("--note", default="", help="--card: extra paragraph for the model card")
    a = p.parse_args(argv)
    if not a.output.endswith(".safetensors"):
        from trainer.settings import ConfigError

        raise ConfigError("--output must end in .safetensors")
    from trainer.errors import TrainError
    from trainer.engine.export import export_run

    try:
        path = export_run(a.run, a.output, half=not a.fp32, render_size=a.render_size or None)
    except OSError as exc:
        raise TrainError(f"cannot write {a.output}: {exc.strerror or exc}") from None
    print(f"wrote {shown(path)} ({path.stat().st_size / 1e6:.2f} MB)")
    if a.card:
        from trainer.report.cards import write_card

        print(f"wrote {shown(write_card(path, a.limit, note=a.note))}")
    return 0


def cmd_evaluate(argv: list[str]) -> int:
    from trainer.report.cards import evaluate_command

    return evaluate_command(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from colorstudio.core.messages import OneLineLogs, guard_std_streams

    guard_std_streams()   # no name from the user's data or run folders can drive the terminal
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for h in logging.getLogger().handlers:
        h.addFilter(OneLineLogs())
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    from colorstudio.core.errors import UserError

    handlers = {"recipes": cmd_recipes, "export": cmd_export, "evaluate": cmd_evaluate}
    try:
        from colorstudio.core import environment

        environment.check(trainer=True)
        fn = handlers.get(argv[0])
        return fn(argv[1:]) if fn else cmd_train(argv)
    except UserError as exc:
        print(f"colorstudio-train: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("colorstudio-train: interrupted; the run folder keeps its last checkpoint "
              "(continue with --resume)", file=sys.stderr)
        return 130


def _one_line(exc: BaseException) -> str:
    """A user error is one line by design: a newline in it is a name's, shown escaped."""
    return shown(str(exc).strip() or type(exc).__name__)


if __name__ == "__main__":
    sys.exit(main())
