"""What the subcommands share for talking to the user: output files, user errors, messages.

A `UserError` is a mistake of the user's (an unknown id, an output path in a missing directory,
a directory given as a file, a full disk): `derive.cli.main` prints its one line and exits 2.
"""

from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path


class UserError(Exception):
    """One line for the user; the command exits with status 2."""


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 derivation', '2 derivations'."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def unknown_ids(ids, known) -> str | None:
    """The message for ids not in `known` ("did you mean normal-equations?"), or None."""
    known = list(known)
    unknown = [i for i in ids if i not in known]
    if not unknown:
        return None
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        parts.append(f"{name!r} (did you mean {close[0]}?)" if close else repr(name))
    return (f"unknown derivation id {', '.join(parts)}; `derive list --ids` prints the "
            f"{len(known)} known ids")


def check_writable(output: str | None, *, what: str = "output file") -> None:
    """Refuse, before any work, an output path that cannot be written: its directory missing,
    a directory in its place, no permission. None or '-' is standard output."""
    if not output or output == "-":
        return
    path = Path(output)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UserError(f"the {what} {output} is a directory; give a file name, e.g. {path / 'proofs.tex'}")
    if parent.exists() and not parent.is_dir():
        raise UserError(f"cannot write the {what} {output}: {parent} is a file, not a directory")
    if not parent.is_dir():
        raise UserError(f"the directory {parent} of the {what} {output} does not exist; "
                        f"create it first (mkdir -p {parent})")
    if path.exists() and not os.access(path, os.W_OK) and not _is_device(path):
        raise UserError(f"the {what} {output} is not writable (permission denied)")
    if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write the {what} {output}: the directory {parent} is not writable")


def _is_device(path: Path) -> bool:
    import stat

    try:
        return stat.S_ISCHR(path.stat().st_mode)
    except OSError:
        return False


def write_text(output: str | None, text: str, *, what: str = "output file") -> bool:
    """Write text to the output path (standard output for None or '-'); any failure is a
    UserError naming the path and the reason. Returns whether a file was written."""
    if not output or output == "-":
        sys.stdout.write(text)
        return False
    check_writable(output, what=what)
    try:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise UserError(f"cannot write the {what} {output}: {exc.strerror or exc}") from None
    return True
