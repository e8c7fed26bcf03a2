"""``kinformer`` command line: one subcommand per module, registered in :data:`SUBCOMMANDS`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .._version import __version__
from . import _bench, _demo, _fake_apiserver, _get

# name -> (help, add_arguments(parser), run(args) -> exit code). Subcommand modules add entries.
SUBCOMMANDS: dict[
    str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
] = {}
_bench.register(SUBCOMMANDS)
_fake_apiserver.register(SUBCOMMANDS)
_demo.register(SUBCOMMANDS)
_get.register(SUBCOMMANDS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kinformer", description="Kubernetes informers for Python."
    )
    parser.add_argument("--version", action="version", version=f"kinformer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_arguments, run) in sorted(SUBCOMMANDS.items()):
        command = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(command)
        command.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    code: int = run(args)
    return code
