"""``w3py/*``: w3py's own sections, for the few settings IIS has no section for (docs/config.md, "w3py's own
sections").

IIS takes these behaviours from Windows or from its version: file names are case-insensitive because NTFS is,
dot-files are not special because Windows hides files with an attribute instead, and the status codes of two
request-filtering checks changed between IIS 8.5 and IIS 10. On Linux and macOS w3py has to be told.

The ``w3py`` section group is built in: it is declared implicitly in every applicationHost.config (see
``document.BUILTIN_GROUP``), so a file copied from a Windows server can gain a ``<w3py>`` element without a
``<configSections>`` edit. An explicit declaration in the file is honoured instead, like any other.
"""

from __future__ import annotations

from w3py.config.schema import BOOL, Section, attr


class CompatibilitySection(Section):
    """``w3py/compatibility``: which IIS version's answers w3py gives where IIS versions differ.

    ``iis10StatusCodes`` (default false: IIS 7–8.5): when true, request filtering refuses a declared
    ``Content-Length`` over ``maxAllowedContentLength`` with 413.1 and a header over its ``headerLimits`` size
    with 431, as IIS 10 does, instead of 404.13 and 404.10. Server-wide only: it describes the server being
    imitated, not a site."""

    path = "w3py/compatibility"
    override_mode_default = "Deny"
    allow_definition = "AppHostOnly"
    members = (
        attr("iis10StatusCodes", BOOL, False),
    )


class StaticFilesSection(Section):
    """``w3py/staticFiles``: how URLs meet a POSIX file system (delegated: a site's web.config may set it).

    ``caseInsensitiveFileNames`` (default true): ``/Default.HTM`` finds ``default.htm``, as on NTFS.
    ``serveDotFiles`` (default false): names starting with ``.`` (``.git``, ``.env``) are treated as hidden
    files (404.9) — Linux has no hidden attribute, and such names are almost always private; ``.well-known``
    is always public. True serves them like any other file."""

    path = "w3py/staticFiles"
    override_mode_default = "Allow"
    allow_definition = "Everywhere"
    members = (
        attr("caseInsensitiveFileNames", BOOL, True),
        attr("serveDotFiles", BOOL, False),
    )


__all__ = ["CompatibilitySection", "StaticFilesSection"]
