"""The small HTML bodies HTTP.sys sends with the errors it generates itself (iis-reference §4.5).

These are not the pipeline's error pages (custom_error.py): a request the listener refuses never reaches a
site, so no ``<httpErrors>`` applies. The bodies are built once at import, keyed by (status, s-reason).
"""

from __future__ import annotations

from w3py.status import reason_phrase

# (status, s-reason) -> (title, heading, message). s-reason None: the entry for any other reason.
_TEXTS: dict[tuple[int, str | None], tuple[str, str, str]] = {
    (400, None): ("Bad Request", "Bad Request", "The request is badly formed."),
    (400, "URL"): ("Bad Request", "Bad Request - Invalid URL", "The request URL is invalid."),
    (400, "Hostname"): ("Bad Request", "Bad Request - Invalid Hostname", "The request hostname is invalid."),
    (400, "Verb"): ("Bad Request", "Bad Request - Invalid Verb", "The request verb is invalid."),
    (400, "Header"): ("Bad Request", "Bad Request - Invalid Header", "The request has an invalid header name."),
    (400, "RequestLength"): (
        "Bad Request",
        "Bad Request - Request Too Long",
        "The size of the request headers is too long.",
    ),
    (400, "FieldLength"): (
        "Bad Request",
        "Bad Request - Header Field Too Long",
        "A request header field is too long.",
    ),
    (404, None): ("Not Found", "Not Found", "The requested resource is not found."),
    (408, None): ("Request Timeout", "Request Timeout", "The request timed out."),
    (411, None): ("Length Required", "Length Required", "The request must be chunked or have a content length."),
    (414, None): ("Request URL Too Long", "Request URL Too Long", "The request URL is too long."),
    (500, None): ("Internal Server Error", "Internal Server Error", "The server encountered an internal error."),
    (501, None): ("Not Implemented", "Not Implemented", "The request is not supported."),
    (503, None): ("Service Unavailable", "Service Unavailable", "The service is unavailable."),
    (505, None): (
        "HTTP Version Not Supported",
        "HTTP Version Not Supported",
        "The HTTP version of the request is not supported.",
    ),
}


def _render(code: int, title: str, heading: str, message: str) -> bytes:
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
        f"<HTML><HEAD><TITLE>{title}</TITLE>\r\n"
        '<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n'
        f"<BODY><h2>{heading}</h2>\r\n"
        f"<hr><p>HTTP Error {code}. {message}</p>\r\n"
        "</BODY></HTML>\r\n"
    ).encode("ascii")


_PAGES = {key: _render(key[0], *texts) for key, texts in _TEXTS.items()}


def error_page(code: int, reason: str | None) -> bytes:
    """The body HTTP.sys sends for ``code`` refused with HTTPERR s-reason ``reason``."""
    page = _PAGES.get((code, reason)) or _PAGES.get((code, None))
    if page is None:
        phrase = reason_phrase(code) or "Error"
        page = _render(code, phrase, phrase, "The request could not be processed.")
    return page
