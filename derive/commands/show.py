"""`derive show ID`: one derivation as text, LaTeX, Markdown or JSON."""

from __future__ import annotations

import argparse

FORMATS = ("text", "latex", "markdown", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", help="a derivation id (see `derive list`)")
    parser.add_argument("--format", "-f", choices=FORMATS, default="text")
    parser.add_argument("--no-check", action="store_true",
                        help="do not check the steps (text format shows each verdict otherwise)")


def run(args: argparse.Namespace) -> int:
    import derive
    from derive.commands.output import UserError, unknown_ids

    message = unknown_ids([args.id], derive.names())
    if message:
        raise UserError(message)
    d = derive.get(args.id)
    if args.format == "text":
        from derive.render.text import derivation_text

        print(derivation_text(d, None if args.no_check else d.check()))
    elif args.format == "latex":
        print(d.latex())
    elif args.format == "markdown":
        from derive.render.markdown import derivation_markdown

        print(derivation_markdown(d))
    else:
        import json

        from derive.render.json import derivation_json

        print(json.dumps(derivation_json(d), indent=2))
    return 0
