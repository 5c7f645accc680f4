"""A one-line progress display on a terminal; silent when output is piped."""

from __future__ import annotations

import sys


class Progress:
    """Shows `label i/total name` on stderr, overwriting itself, only when stderr is a terminal."""

    def __init__(self, total: int, label: str, stream=None):
        self.total = total
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._width = 0

    def update(self, index: int, name: str) -> None:
        if not self.enabled:
            return
        text = f"{self.label} {index}/{self.total} {name}"
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = max(self._width, len(text))

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
