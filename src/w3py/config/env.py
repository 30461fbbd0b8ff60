"""Environment variables in configuration values, as IIS expands them (``%SystemDrive%\\inetpub\\wwwroot``).

``%SystemDrive%`` is the server root, so that an unmodified IIS applicationHost.config works when its paths
live inside the root; Windows separators become ``/``. Other ``%NAME%`` come from the environment (matched
case-insensitively, as on Windows); ``%TEMP%``/``%TMP%`` fall back to the system temp folder, ``%windir%``
and ``%SystemRoot%`` to ``<root>/Windows``. An unknown variable is left as written, as Windows does.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from w3py.config.schema import Expander

_VAR = re.compile(r"%([A-Za-z_][A-Za-z0-9_()]*)%")
_DRIVE = re.compile(r"^[A-Za-z]:(/|$)")


def unexpanded(text: str) -> list[str]:
    """The ``%NAME%`` references still in an expanded value (variables that are not set). In a path they would
    be taken literally, relative to the current directory (IIS Express's ``%IIS_USER_HOME%`` outside
    iisexpress.exe): callers refuse such paths instead."""
    if "%" not in text:
        return []
    return [m.group(0) for m in _VAR.finditer(text)]


class EnvExpander(Expander):
    """Expands ``%VAR%`` for one server root."""

    def __init__(self, root: Path, environ: dict[str, str] | None = None) -> None:
        self.root = root
        env = dict(os.environ if environ is None else environ)
        self._vars = {k.lower(): v for k, v in env.items()}
        self._vars["systemdrive"] = str(root)
        self._vars.setdefault("temp", tempfile.gettempdir())
        self._vars.setdefault("tmp", tempfile.gettempdir())
        self._vars.setdefault("windir", str(root / "Windows"))
        self._vars.setdefault("systemroot", str(root / "Windows"))

    def expand(self, text: str) -> str:
        if "%" not in text:
            return text
        return _VAR.sub(lambda m: self._vars.get(m.group(1).lower(), m.group(0)), text)

    def to_path_text(self, text: str) -> str:
        """A file-system value as text: variables expanded, ``\\`` -> ``/``, and a drive-letter prefix
        (``C:``) mapped to the server root like ``%SystemDrive%``."""
        value = self.expand(text).replace("\\", "/")
        if _DRIVE.match(value):
            value = str(self.root) + value[2:]
        return value

    def to_path(self, text: str) -> Path:
        return Path(self.to_path_text(text))
