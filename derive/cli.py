"""The `derive` command: list, show and check derivations; verify, book, export and plot.

Each subcommand lives in a module with `add_arguments(parser)` and `run(args) -> int`; only the
module of the subcommand that runs is imported, so `derive --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "list": ("derive.commands.listing", "list the derivations in the catalogue"),
    "show": ("derive.commands.show", "print one derivation as text, LaTeX, Markdown or JSON"),
    "check": ("derive.commands.check", "check every step of the catalogue's derivations"),
    "verify": ("derive.verify.command", "check the derivation steps in somebody's Markdown or LaTeX file"),
    "book": ("derive.render.book", "write every proof as one LaTeX (or Markdown) document, optionally a PDF"),
    "export": ("derive.render.export", "write every derivation as JSON"),
    "plot": ("derive.render.plot", "draw a figure for a derivation (PNG or PDF)"),
}


def _parser(selected: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="derive",
        description="Derive the mathematics under machine learning from definitions, "
        "with every step checked by a computer.",
    )
    from derive import __version__

    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == selected:
            importlib.import_module(module).add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    selected = next((a for a in argv if not a.startswith("-")), None)
    if selected is not None and selected not in SUBCOMMANDS:
        known = ", ".join(SUBCOMMANDS)
        print(f"derive: unknown command {selected!r}; expected one of: {known}", file=sys.stderr)
        return 2
    parser = _parser(selected)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    module = importlib.import_module(SUBCOMMANDS[args.command][0])
    from derive.commands.output import UserError

    try:
        status = int(module.run(args) or 0)
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except UserError as exc:
        print(f"derive {args.command}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # an output that cannot be written (a full disk, standard output on /dev/full...)
        where = exc.filename or "standard output"
        print(f"derive {args.command}: cannot write {where}: {exc.strerror or exc}", file=sys.stderr)
        _silence_stdout()
        return 2


def _silence_stdout() -> None:
    """Point standard output at /dev/null so that Python's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
