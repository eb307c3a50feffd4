"""The one progress indicator of long operations (structure searches, big batches).

A bar is shown only when asked (``progress=True``) or, by default (``progress=None``), when
stderr is a terminal; ``progress=False`` is always silent. It uses ``tqdm`` when that optional
package is installed (unless ``plain=True``), else a single self-rewriting line on stderr.
Nothing is printed otherwise.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

__all__ = ["Progress", "progress_bar"]

_REFRESH_SECONDS = 0.2  # the plain stderr line is redrawn at most this often


def _enabled(progress: bool | None) -> bool:
    if progress is None:
        stream = sys.stderr
        return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
    return bool(progress)


class Progress:
    """A progress indicator; use :func:`progress_bar` to make one, as a context manager.

    ``update(n)`` advances it, ``note(text)`` sets a short status (e.g. the current score),
    ``close()`` ends the line. A disabled indicator does nothing at all.
    """

    def __init__(self, total: int | None, desc: str, enabled: bool, unit: str = "",
                 plain: bool = False) -> None:
        self.total = total
        self.desc = desc
        self.unit = unit
        self.count = 0
        self.enabled = enabled
        self._status = ""
        self._last = 0.0
        self._bar: Any = None
        if enabled and not plain:
            try:
                from tqdm.auto import tqdm  # optional dependency
            except ImportError:
                self._bar = None
            else:
                self._bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=False,
                                 unit=f" {unit}" if unit else "it")

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps."""
        if not self.enabled:
            return
        self.count += n
        if self._bar is not None:
            self._bar.update(n)
        else:
            self._draw(force=False)

    def note(self, text: str) -> None:
        """Show ``text`` after the counter (e.g. ``"score=-1234.5"``)."""
        if not self.enabled:
            return
        self._status = text
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)

    def close(self) -> None:
        """Finish: close the bar, or end the stderr line."""
        if not self.enabled:
            return
        self.enabled = False
        if self._bar is not None:
            self._bar.close()
        else:
            self._draw(force=True)
            sys.stderr.write("\n")
            sys.stderr.flush()

    def _draw(self, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._last < _REFRESH_SECONDS:
            return
        self._last = now
        unit = f" {self.unit}" if self.unit else ""
        if self.total:
            done = f"{self.count:,}/{self.total:,}{unit} ({100 * self.count // self.total}%)"
        else:
            done = f"{self.count:,}{unit}"
        status = f" {self._status}" if self._status else ""
        sys.stderr.write(f"\r{self.desc}: {done}{status}")
        sys.stderr.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def progress_bar(total: int | None = None, *, desc: str, progress: bool | None = None,
                 unit: str = "", plain: bool = False) -> Progress:
    """Return a progress indicator for a loop of ``total`` steps (None: unknown).

    Parameters
    ----------
    total : int or None, optional
        Number of steps, if known.
    desc : str
        What is running, shown before the counter.
    progress : bool or None, optional
        ``True``: always show; ``False``: never; ``None`` (default): only when stderr is a terminal.
    unit : str, optional
        What is counted, shown after the count (e.g. ``"rows"``).
    plain : bool, optional
        Always draw the plain stderr line, even when tqdm is installed (``pgm-lite sample``
        does, so its output does not depend on the installed extras).

    Returns
    -------
    Progress
        Use it as a context manager so the line is always closed.

    Examples
    --------
    >>> with progress_bar(3, desc="hill climbing", progress=False) as bar:
    ...     for _ in range(3):
    ...         bar.update()
    >>> bar.count  # a disabled indicator counts nothing and prints nothing
    0
    """
    return Progress(total, desc, _enabled(progress), unit=unit, plain=plain)
