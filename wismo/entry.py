"""The ``wismo`` entry point: ``wismo kpis`` and ``wismo causes`` run from their own small module (the figures,
nothing else imported); every other command from wismo/cli.py."""

from __future__ import annotations

import sys

LIGHT = {"kpis", "causes"}


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] in LIGHT:
        from wismo.figures_cli import figures_app

        figures_app(prog_name="wismo")
        return
    from wismo.cli import app

    app(prog_name="wismo")


if __name__ == "__main__":
    main()
