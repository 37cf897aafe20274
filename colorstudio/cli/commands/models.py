"""colorstudio-cli models: the registered models and whether their weights are installed."""

from __future__ import annotations

from colorstudio.cli.common import EXIT_OK

UNTRAINED = "UNTRAINED"   # the WEIGHTS column of a family with no trained weights installed


def add_parser(sub) -> None:
    m = sub.add_parser("models", help="list the available models",
                       description="List the registered models and whether trained weights are installed "
                       f"(WEIGHTS {UNTRAINED}: none are, the model would run on random weights).")
    m.add_argument("--task", choices=("colorize", "translate", "restore", "inpaint"), help="only models of this task")


def run(args) -> int:
    """Every family, the untrained ones marked: a script may still train or load one, but
    nobody should mistake its random-weight output for a model's (issue 35)."""
    from colorstudio.models import available

    rows = [(s.name, s.task, str(s.input_size), "yes" if s.has_weights else UNTRAINED, s.description)
            for s in available(args.task)]
    head = ("NAME", "TASK", "SIZE", "WEIGHTS", "DESCRIPTION")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    for r in [head] + rows:
        print("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4])
    if not rows:
        print("(no models registered)")
    if any(r[3] == UNTRAINED for r in rows):
        print(f"\n{UNTRAINED}: no trained weights are installed; such a model paints noise (random weights) "
              "until you train it (colorstudio-train) and pass its checkpoint with --weights.")
    return EXIT_OK
