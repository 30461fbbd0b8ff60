"""DirectoryListingModule (dirlist.dll): lists a directory, or refuses with 403.14.

IIS behaviour reproduced (reference §1.7, §5.3): reached for a directory URL (with its slash) for which no
default document was found. ``directoryBrowse/@enabled="false"`` (the default) → 403.14. Enabled: an HTML
page in IIS's layout — ``HOST - /path/`` title and heading, a ``[To Parent Directory]`` link except at the
site root, then one row per entry (in NTFS order: by upper-cased name) with the columns ``showFlags`` asks
for (Date or LongDate, Time, Size — ``<dir>`` for directories — and the name, shown without its extension
unless ``Extension`` is set). Names
are HTML-escaped and their links percent-encoded. Entries the site hides are not listed: dot-names (unless
the site serves them), ``requestFiltering/hiddenSegments``, and symlinks that lead outside the site. Only GET and HEAD are answered; other verbs
go on to StaticFileModule's 405.0.
"""

from __future__ import annotations

import html
import os
import stat
import time
from typing import Any
from urllib.parse import quote

from w3py import status
from w3py.api import HTTPContext, Module, NotificationStatus
from w3py.pipeline.paths import is_inside
from w3py.config.sections import DirectoryBrowseSection, RequestFilteringSection

CONTINUE = NotificationStatus.CONTINUE
FINISH = NotificationStatus.FINISH_REQUEST

# Entries listed on one page: a directory with more is cut off (a listing is for people, not for a
# million-file dump that would stall the worker).
MAX_LISTED_ENTRIES = 10000


def _date(t: time.struct_time, long: bool) -> str:
    if long:
        return time.strftime("%A, %B ", t) + f"{t.tm_mday}, {t.tm_year}"
    return f"{t.tm_mon}/{t.tm_mday}/{t.tm_year}"


def _time(t: time.struct_time) -> str:
    hour = t.tm_hour % 12 or 12
    return f"{hour}:{t.tm_min:02d} {'PM' if t.tm_hour >= 12 else 'AM'}"


class DirectoryListingModule(Module):
    """Directory browsing (``system.webServer/directoryBrowse``)."""

    name = "DirectoryListingModule"
    sections = (DirectoryBrowseSection, RequestFilteringSection)

    def provision(self, config: Any) -> None:
        section = config[DirectoryBrowseSection]
        self.enabled = bool(section.enabled)
        flags = frozenset(section.show_flags)
        self.show_date = "Date" in flags or "LongDate" in flags
        self.long_date = "LongDate" in flags
        self.show_time = "Time" in flags
        self.show_size = "Size" in flags
        self.show_extension = "Extension" in flags
        hidden: set[str] = set()
        try:
            rf = config[RequestFilteringSection]
            hidden = {entry.segment.lower() for entry in rf.hidden_segments.items}
        except (KeyError, AttributeError):
            pass
        self.hidden_segments = frozenset(hidden)

    def on_execute_request_handler(self, ctx: HTTPContext) -> NotificationStatus:
        info = ctx.file_info
        if info is None or not info.is_dir:
            return CONTINUE
        if not self.enabled:
            ctx.response.set_status(status.DIRECTORY_LISTING_DENIED, 0, "directory browsing is not enabled")
            return FINISH
        if ctx.request.method not in ("GET", "HEAD"):
            return CONTINUE
        body = self.render(ctx, info.path)
        response = ctx.response
        response.set_header(b"content-type", b"text/html; charset=utf-8")
        response.body = body
        return FINISH

    def render(self, ctx: HTTPContext, directory: str) -> bytes:
        mapper = ctx.plan.mapper
        serve_dot = mapper.options.serve_dot_files
        rows = []
        try:
            with os.scandir(directory) as it:
                entries = []
                for entry in it:
                    name = entry.name
                    if (name.startswith(".") and not serve_dot) or name.lower() in self.hidden_segments:
                        continue
                    if entry.is_symlink() and not is_inside(mapper.root_real, os.path.realpath(entry.path)):
                        continue  # it would answer 404: do not show it (nor its target's size and date)
                    entries.append(entry)
                    if len(entries) >= MAX_LISTED_ENTRIES:
                        break
        except OSError:
            entries = []
        # NTFS order, which is what IIS's enumeration returns: by the upper-cased name ("_" after the letters)
        entries.sort(key=lambda e: (e.name.upper(), e.name))
        url = ctx.url
        for entry in entries:
            try:
                st = entry.stat()
            except OSError:
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            t = time.localtime(st.st_mtime)
            cols = []
            if self.show_date:
                cols.append(f"{_date(t, self.long_date):>{30 if self.long_date else 10}}")
            if self.show_time:
                cols.append(f"{_time(t):>8}")
            if self.show_size:
                cols.append(" " * 7 + "&lt;dir&gt;" if is_dir else f"{st.st_size:>12}")
            shown = entry.name
            if not self.show_extension and not is_dir and "." in shown[1:]:
                shown = shown.rsplit(".", 1)[0]
            href = quote(url + entry.name + ("/" if is_dir else ""), safe="/")
            cols.append(f'<A HREF="{html.escape(href)}">{html.escape(shown)}</A>')
            rows.append(" ".join(cols) + "<br>")
        host = ctx.server_variable("SERVER_NAME") or ""
        title = html.escape(f"{host} - {url}")
        parent = ""
        if url != "/":
            up = url.rstrip("/").rsplit("/", 1)[0] + "/"
            parent = f'<A HREF="{html.escape(quote(up, safe="/"))}">[To Parent Directory]</A><br><br>'
        page = (
            f"<html><head><title>{title}</title></head><body><H1>{title}</H1><hr>\n\n"
            f"<pre>{parent}{''.join(rows)}</pre><hr></body></html>"
        )
        return page.encode("utf-8")
