"""One module per command, each with its ``add_parser(sub)`` and its ``run(args)``;
the order here is the order of ``colorstudio-cli --help``."""

from colorstudio.cli.commands import assemble, colorize, compare, models, suggest, translate

COMMANDS = {"models": models, "colorize": colorize, "assemble": assemble, "compare": compare, "suggest": suggest,
            "translate": translate}
