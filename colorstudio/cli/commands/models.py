"""colorstudio-cli models: the registered models and whether their weights are installed."""

from __future__ import annotations

from colorstudio.cli.common import EXIT_OK


def add_parser(sub) -> None:
    m = sub.add_parser("models", help="list the available models",
                       description="List the registered models and whether trained weights are installed.")
    m.add_argument("--task", choices=("colorize", "translate", "restore"), help="only models of this task")


def run(args) -> int:
    from colorstudio.models import available

    rows = [(s.name, s.task, str(s.input_size), "yes" if s.has_weights else "no", s.description)
            for s in available(args.task)]
    head = ("NAME", "TASK", "SIZE", "WEIGHTS", "DESCRIPTION")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    for r in [head] + rows:
        print("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4])
    if not rows:
        print("(no models registered)")
    return EXIT_OK
