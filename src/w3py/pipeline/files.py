"""The file-system side of a request: what a URL's physical path is (file, directory, missing), whether it
may be served at all (inside the site, not hidden), and a small cache of per-file facts for static serving.

The security rules (never outside the virtual directory's real path, symlinks included; dot-names hidden) are
stated in ``paths.py`` and applied here, in ``lookup``: every module that touches a file gets a ``FileInfo``
from it, never a raw ``os.stat`` of its own.
"""

from __future__ import annotations

import errno
import os
import stat as stat_mod
from dataclasses import dataclass

from w3py.pipeline.win32 import (
    ERROR_ACCESS_DENIED,
    ERROR_FILE_NOT_FOUND,
    ERROR_PATH_NOT_FOUND,
)
from w3py.pipeline.paths import CaseFolder, is_inside, join_physical

# Segments that start with "." but are public by convention (RFC 8615 well-known URIs, e.g. ACME challenges).
PUBLIC_DOT_SEGMENTS = frozenset({".well-known"})

# A superuser reads every file, so os.access() cannot tell what the site's identity may read. IIS's worker
# never runs as SYSTEM; w3py started as root still refuses (401.3) a file whose mode lets nobody read it
# (chmod 000, chmod a-r), the one refusal that is unambiguous whoever the reader would be.
_SUPERUSER = hasattr(os, "geteuid") and os.geteuid() == 0
_ANY_READ = stat_mod.S_IRUSR | stat_mod.S_IRGRP | stat_mod.S_IROTH


@dataclass(frozen=True, slots=True)
class SiteOptions:
    """w3py-specific per-site behaviour that IIS gets from Windows itself.

    * ``case_insensitive_files`` (default True): find ``/Default.HTM`` as ``default.htm`` on a case-sensitive
      file system, like Windows. Costs a directory listing (cached) on the miss path only.
    * ``serve_dot_files`` (default False): Linux has no "hidden" attribute, so names starting with ``.``
      (``.git``, ``.env``) are treated as hidden (404.9), except ``.well-known``. True serves them.
    * ``response_cache`` (default True): the HTTP.sys kernel-cache equivalent for static responses.
    """

    case_insensitive_files: bool = True
    serve_dot_files: bool = False
    response_cache: bool = True


DEFAULT_OPTIONS = SiteOptions()


class FileInfo:
    """What is at a physical path, for one request. ``exists``/``is_file``/``is_dir`` follow symlinks that
    stay inside the site; a symlink leaving the site, or a path that cannot be resolved, reads as missing."""

    __slots__ = ("path", "st", "is_file", "is_dir", "hidden", "denied", "outside", "win32")

    def __init__(self, path: str, st: os.stat_result | None, hidden: bool = False, denied: bool = False,
                 outside: bool = False, win32: int = 0) -> None:
        self.path = path
        self.st = st
        mode = st.st_mode if st is not None else 0
        self.is_file = st is not None and stat_mod.S_ISREG(mode)
        self.is_dir = st is not None and stat_mod.S_ISDIR(mode)
        self.hidden = hidden
        self.denied = denied  # the server process may not read it (IIS: ACL → 401.3)
        self.outside = outside
        self.win32 = win32  # 2: file not found, 3: path not found, 5: access denied

    @property
    def exists(self) -> bool:
        return self.st is not None

    def __repr__(self) -> str:
        kind = "file" if self.is_file else "dir" if self.is_dir else "missing"
        return f"<FileInfo {self.path} {kind}{' hidden' if self.hidden else ''}>"


def has_hidden_segment(url: str) -> bool:
    """Whether a URL segment names a dot-file or dot-directory (``/.git/config``, ``/a/.env``)."""
    if "/." not in url:
        return False
    for segment in url.split("/"):
        if segment.startswith(".") and segment not in PUBLIC_DOT_SEGMENTS and segment not in (".", ".."):
            return True
    return False


class Mapper:
    """Maps URLs below one virtual directory to ``FileInfo`` (one per plan's virtual directory)."""

    __slots__ = ("root", "root_real", "vpath", "options", "_folder")

    def __init__(self, root: str, vpath: str, options: SiteOptions = DEFAULT_OPTIONS) -> None:
        self.root = root.rstrip("/") or "/"
        try:
            self.root_real = os.path.realpath(self.root)
        except OSError:
            self.root_real = self.root
        self.vpath = vpath.rstrip("/")  # "" for the site root
        self.options = options
        self._folder = CaseFolder()

    def physical(self, url: str) -> str:
        """The physical path for ``url`` (a normalised virtual path below this virtual directory)."""
        rel = url[len(self.vpath):] if self.vpath and url.lower().startswith(self.vpath.lower()) else url
        return join_physical(self.root, rel)

    def lookup(self, url: str, physical: str | None = None) -> FileInfo:
        """Stat the physical path of ``url``; apply containment, hidden-name and case-folding rules."""
        path = physical if physical is not None else self.physical(url)
        hidden = not self.options.serve_dot_files and has_hidden_segment(url)
        try:
            st = os.stat(path)
        except PermissionError:
            return FileInfo(path, None, hidden, denied=True, win32=ERROR_ACCESS_DENIED)
        except (FileNotFoundError, NotADirectoryError):
            st = None
            if self.options.case_insensitive_files:
                rel = path[len(self.root):] if path.startswith(self.root) else ""
                found = self._folder.resolve(self.root, rel) if rel else None
                if found is not None:
                    path = found
                    try:
                        st = os.stat(path)
                    except OSError:
                        st = None
            if st is None:
                return FileInfo(path, None, hidden, win32=self._missing_win32(path))
        except OSError as exc:
            # ENAMETOOLONG, ELOOP (symlink loop) ...: nothing servable there
            return FileInfo(path, None, hidden,
                            win32=ERROR_PATH_NOT_FOUND if exc.errno == errno.ENAMETOOLONG else ERROR_FILE_NOT_FOUND)
        if url.endswith("/") and not stat_mod.S_ISDIR(st.st_mode):
            # "/a.txt/" names a folder: Windows refuses a file name with a trailing separator, so IIS answers
            # 404 instead of serving the file under a second URL
            return FileInfo(path, None, hidden, win32=ERROR_FILE_NOT_FOUND)
        # Rule 4 of paths.py: the resolved path must stay inside the virtual directory
        real = os.path.realpath(path)
        if not is_inside(self.root_real, real):
            return FileInfo(path, None, hidden, outside=True, win32=ERROR_FILE_NOT_FOUND)
        denied = stat_mod.S_ISREG(st.st_mode) and (
            not os.access(path, os.R_OK) or (_SUPERUSER and not st.st_mode & _ANY_READ)
        )
        return FileInfo(path, st, hidden, denied=denied, win32=ERROR_ACCESS_DENIED if denied else 0)

    def _missing_win32(self, path: str) -> int:
        """The Win32 error Windows gives for a path that is not there, which IIS logs as ``sc-win32-status``
        and shows as the 404.0 page's Error Code: ERROR_FILE_NOT_FOUND (2, 0x80070002) when the folder that
        should hold it exists, ERROR_PATH_NOT_FOUND (3, 0x80070003) when a folder on the way is missing or is
        a file (``/nodir/x.txt``, ``/a.txt/x``). Only runs on the miss path: one more stat."""
        parent = os.path.dirname(path)
        if parent == path or len(parent) < len(self.root):
            return ERROR_FILE_NOT_FOUND
        if os.path.isdir(parent):
            return ERROR_FILE_NOT_FOUND
        if self.options.case_insensitive_files:
            rel = parent[len(self.root):] if parent.startswith(self.root) else ""
            found = self._folder.resolve(self.root, rel) if rel else None
            if found is not None and os.path.isdir(found):
                return ERROR_FILE_NOT_FOUND
        return ERROR_PATH_NOT_FOUND
