"""The request parser: bytes in, events out, HTTP.sys's limits enforced on the way (sans-I/O, like h11).

Theory of operation
-------------------
``RequestParser.feed(data)`` pushes bytes through httptools (llhttp) and returns the events they completed,
in order: a ``Request`` (``w3py.protocol.messages.Request``, with ``site`` still None) when a head is
complete, ``Data`` for each piece of body, ``END_OF_MESSAGE`` when the body is complete. Keep-alive and
pipelining are the caller's business: one ``feed`` may complete several requests.

Rule 1: any input either yields events or raises ``ProtocolError`` carrying the status HTTP.sys answers
with (``status_hint``) and the HTTPERR ``s-reason``. Nothing else escapes ``feed`` (a hypothesis test holds us
to it). Events completed before the error are not lost: they are on the exception as ``events``, so the
connection can answer the good pipelined requests before the bad one.

Rule 2: after an error the parser is poisoned: every later ``feed`` raises the same error.

Rule 3: after a request that does not keep the connection alive (``Connection: close``, HTTP/1.0 without
keep-alive, an ``Upgrade`` we do not honour) the parser is finished: later bytes are ignored, because the
connection closes after that response (RFC 9112 §9.6).

Limits (``protocol/limits.py``): llhttp has none, so they are counted here. The URL arrives in fragments
(counted as they come); header lines only arrive whole, so a header that is still incomplete is bounded by
counting the raw bytes fed while its head is in progress. ``_head_exact`` (URL + complete header lines) and
``_head_raw`` (bytes of feeds that were entirely head) are both lower bounds of the head's size, so a head is
refused only when it really is too long, and memory held by an unfinished head stays below
``MAX_REQUEST_BYTES`` plus one read.

Request smuggling: ``Content-Length`` together with ``Transfer-Encoding``, duplicate or malformed lengths,
bad chunk framing and bare CR/LF are all 400 (llhttp in its strict mode; no leniency flags are set).
A transfer-coding other than exactly ``chunked`` is 501 (HTTP.sys implements no other, s-reason ``N/I``).

Canonicalisation: a path HTTP.sys cannot canonicalise (invalid or overlong UTF-8 after one percent-decoding, an
escaped control character, a ``..`` above ``/``) is 400 s-reason ``URL`` here, so it never reaches a site; the
decoding rules are ``w3py.core.url``'s, the same the pipeline maps URLs with.

Verbs: HTTP.sys takes any RFC 9110 token as the verb (``DEBUG``, ``BREW``, lower-case ``get``) and leaves it to
IIS (request filtering's ``<verbs>`` 404.6, the handler's 405), but llhttp only knows a fixed list. Known verbs
go through llhttp untouched. When llhttp refuses a verb, the bytes of that message are found again (see
``_replay_from``), and if its verb is a token, llhttp is handed ``GET`` in its place (request framing depends on
Content-Length / Transfer-Encoding, never on the verb; CONNECT is known to llhttp and never replaced) while the
``Request`` carries the real verb. A verb that is not a token stays 400 ``Verb``; one longer than
MaxFieldLength is 400 ``FieldLength``; a verb cut by a read waits (bounded) for the rest.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn
from urllib.parse import unquote_to_bytes

import httptools

from w3py.core import clock
from w3py.core.url import UndecodablePath, climbs_above_root, decode_path
from w3py.errors import ProtocolError
from w3py.protocol.events import END_OF_MESSAGE, Data
from w3py.protocol.host import parse_host
from w3py.protocol.limits import (
    ALLOW_RESTRICTED_CHARS,
    MAX_FIELD_LENGTH,
    MAX_REQUEST_BYTES,
    MAX_URL_BYTES,
    URL_SEGMENT_MAX_COUNT,
    URL_SEGMENT_MAX_LENGTH,
)
from w3py.protocol.messages import EMPTY_BODY, Request

_NO_ADDRESS = ("", 0)  # Request.client/server until the listener sets them

# Methods that carry a body and therefore need a length: HTTP.sys answers 411 when one comes without
# Content-Length or chunking.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

# Bytes on the wire around the parts llhttp hands us: " HTTP/1.1\r\n" on the request line (plus the space
# after the method),
# ": " + "\r\n" per header line, and the blank line that ends the head.
_REQUEST_LINE_OVERHEAD = 11
_HEADER_LINE_OVERHEAD = 4

# llhttp method names as bytes -> the str we hand on, so a request does not pay for a decode.
_METHODS: dict[bytes, str] = {}

_ESCAPED_CONTROL = re.compile(rb"%(?:[01][0-9A-Fa-f]|7[Ff])")

_SPECIAL_HEADERS = frozenset({b"host", b"transfer-encoding", b"content-length", b"expect"})

# RFC 9110 §5.6.2 token: what HTTP.sys accepts as a verb.
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

# What llhttp is handed in place of a verb it does not know: a verb with plain request framing.
_STAND_IN_METHOD = b"GET"

# Bytes handed to llhttp since it was last at a message boundary at the start of a read are kept (by
# reference) so a refused verb can be located in them. Past this many the log restarts from a made-up head
# inside a Content-Length body, or is dropped until the next boundary (then an unknown verb pipelined right
# behind such a long head or chunked body is still 400 Verb).
_REPLAY_LOG_MAX = 64 * 1024
# The log's value while llhttp is at a message boundary between reads (an object of its own: compare with is).
_AT_BOUNDARY: Any = object()


def _reason_for(exc: Exception) -> tuple[tuple[int, int], str]:
    """Map an llhttp error to HTTP.sys's answer: (status, substatus) and the HTTPERR s-reason."""
    text = str(exc).lower()
    if isinstance(exc, httptools.HttpParserInvalidMethodError):
        return (400, 0), "Verb"
    if isinstance(exc, httptools.HttpParserInvalidURLError):
        return (400, 0), "URL"
    if "transfer-encoding" in text:  # e.g. Content-Length together with Transfer-Encoding: smuggling
        return (400, 0), "BadRequest"
    if "expected crlf" in text:
        # The request line does not end in CRLF right after the version: a bare LF (``HTTP/1.1\n``) or
        # bytes after the version. llhttp names the version, but the version was read fine; HTTP.sys answers
        # 400 (a parse error, s-reason BadRequest), not 505.
        return (400, 0), "BadRequest"
    if "version" in text:
        return (505, 0), "Version_N/S"
    if "header" in text and ("token" in text or "char" in text):
        return (400, 0), "Header"
    if "lf" in text or "cr" in text:
        return (400, 0), "Invalid_CR/LF"
    if "content-length" in text:
        return (400, 0), "Number"
    return (400, 0), "BadRequest"


class RequestParser:
    """Parses the requests of one connection. See the module docstring for the rules."""

    __slots__ = (
        "_parser",
        "_events",
        "_url",
        "_url_len",
        "_headers",
        "_head_exact",
        "_head_raw",
        "_in_head",
        "_begun_in_feed",
        "_error",
        "_finished",
        "_host",
        "_host_count",
        "_te",
        "_expect",
        "_has_cl",
        "_received_at",
        "_received_wall",
        "_request_line",
        "_last_host",
        "_request_line_pending",
        "_log",
        "_log_size",
        "_odd_method",
        "_odd_times",
        "_pending_method",
        "_pending_times",
        "_escaped",
        "_body_left",
    )

    def __init__(self) -> None:
        self._parser = httptools.HttpRequestParser(self)
        self._events: list[Any] = []
        self._error: ProtocolError | None = None
        self._finished = False
        self._in_head = False
        self._begun_in_feed = False
        # (Host value, parsed host) of the previous request: a keep-alive client repeats its Host header.
        self._last_host: tuple[bytes, str | None] = (b"", None)
        # The next bytes may belong to a request line (at a message boundary, or a request line cut by a
        # read): where raw high-bit bytes are escaped (_feed_raw_utf8).
        self._request_line_pending = True
        # Bytes llhttp was fed since its last boundary at the start of a read: one read, a list of them, or
        # None (too many to keep).
        self._log: bytes | list[Any] | None = _AT_BOUNDARY
        self._log_size = 0
        # The start of a message whose verb llhttp refused and that a read cut before the verb ended, and
        # when its first byte arrived.
        self._pending_method = b""
        self._pending_times: tuple[float, float] | None = None
        self._odd_times = (0.0, 0.0)
        # Content-Length body bytes still to come for the message in progress (None: chunked or none).
        self._body_left: int | None = None
        self._reset_head()

    def _reset_head(self) -> None:
        self._url: list[bytes] = []
        self._url_len = 0
        self._headers: list[tuple[bytes, bytes]] = []
        self._head_exact = 0
        self._head_raw = 0
        self._host: bytes | None = None
        self._host_count = 0
        self._te: bytes | None = None
        self._expect: bytes | None = None
        self._has_cl = False
        self._received_at = 0.0
        self._received_wall = 0.0
        self._request_line: tuple[str, str, bytes] | None = None
        # The real verb of the message llhttp is parsing under _STAND_IN_METHOD, and when it arrived.
        self._odd_method: bytes | None = None  # (its arrival time is _odd_times, set with it)
        # The rest of this message's request line, cut by a read, had high-bit bytes percent-encoded: a '%'
        # in its verb may be ours, so such a verb is no token (_odd_verb).
        self._escaped = False

    # --- public API -------------------------------------------------------------------------------------

    @property
    def in_head(self) -> bool:
        """True while a request head has started but is not complete (the header-wait timer runs)."""
        return self._in_head

    @property
    def finished(self) -> bool:
        """True once the parser will accept no more requests (Rule 3) or is poisoned (Rule 2)."""
        return self._finished or self._error is not None

    def feed(self, data: bytes) -> list[Any]:
        """Parse ``data`` and return the events it completed. Raises ``ProtocolError`` (Rule 1)."""
        if self._pending_method:
            # A verb cut by a read: the message starts again from its first byte, in front of llhttp afresh.
            data = self._pending_method + data
            self._pending_method = b""
            self._in_head = False
        if self._request_line_pending and not data.isascii():
            return self._feed_raw_utf8(data)
        return self._feed(data)

    def _feed_raw_utf8(self, data: bytes) -> list[Any]:
        """HTTP.sys takes raw UTF-8 (and other high-bit) bytes in the request target (EnableNonUTF8=1,
        FavorUTF8=1; curl and scripts send them unescaped); llhttp refuses them. The request line is passed
        on with those bytes percent-encoded, which is how the rest of w3py would have received them from a
        browser. Only the request line is touched: header and body bytes go through as they came."""
        blank = len(data) - len(data.lstrip(b"\r\n")) if not self._in_head else 0
        end = data.find(b"\n", blank)
        line = data[blank:] if end < 0 else data[blank : end + 1]
        if line.isascii() or (self._in_head and not _ends_request_line(line)):
            return self._feed(data)
        if self._in_head:
            # The rest of a request line cut by a read; if the cut was inside the verb, a '%' this makes
            # there must not pass for part of a token verb (_odd_verb).
            escaped = _HIGH_BYTE.sub(_percent_encode, line)
            self._escaped = True
        else:
            # A whole request line: the verb is left as it came (high-bit bytes there make it no token).
            space = line.find(b" ")
            escaped = line if space < 0 else line[:space] + _HIGH_BYTE.sub(_percent_encode, line[space:])
        events = self._feed(data[:blank] + escaped)
        if end >= 0 and line.strip():
            self._request_line_pending = False
        rest = data[blank + len(line) :]
        if rest:
            try:
                events = events + self.feed(rest)
            except ProtocolError as exc:
                exc.events = events + exc.events  # type: ignore[attr-defined]
                raise
        return events

    def _feed(self, data: bytes) -> list[Any]:
        if self._error is not None:
            raise self._error
        if self._finished:
            return []
        events = self._events = []
        head_continues = self._in_head
        self._begun_in_feed = False
        if self._log is _AT_BOUNDARY:
            self._log = data  # the log starts again with this read (one read: no list)
        else:
            self._log_more(data)
        rest: bytes | memoryview = data
        while True:
            try:
                self._parser.feed_data(rest)
            except httptools.HttpParserUpgrade:
                # An Upgrade (or CONNECT) we do not honour: the request is answered as a plain one and the
                # connection closes after it, so bytes meant for the other protocol are never parsed as HTTP.
                self._finish_after_upgrade()
            except httptools.HttpParserCallbackError as exc:
                cause = exc.__context__
                if isinstance(cause, _Finished):
                    pass
                elif isinstance(cause, ProtocolError):
                    self._poison(cause)
                else:  # a bug of ours inside a callback: still only a ProtocolError leaves this layer
                    self._poison(ProtocolError(f"parser callback failed: {cause!r}"))
            except httptools.HttpParserError as exc:
                if isinstance(exc, httptools.HttpParserInvalidMethodError) or _is_http_method_error(exc):
                    # The rest of the refused message under a stand-in verb, for a fresh llhttp.
                    rest = self._odd_verb(exc)
                    if rest:
                        continue
                else:
                    hint, reason = _reason_for(exc)
                    self._poison(ProtocolError(str(exc) or "malformed request", hint, reason))
            break
        if self._request_line_pending and not self._in_head:
            self._log = _AT_BOUNDARY  # the next read starts the log again; hold no read meanwhile
        elif self._in_head:
            if head_continues and not self._begun_in_feed:
                self._head_raw += len(data)
            if max(self._head_raw, self._head_exact) > MAX_REQUEST_BYTES:
                self._poison(ProtocolError("request head too long", (400, 0), "RequestLength"))
        return events

    def _log_more(self, data: bytes) -> None:
        """Add a read that continues a message to the replay log. Past ``_REPLAY_LOG_MAX`` the log starts
        again from a made-up head that leaves llhttp where it is now, when that can be made: inside a
        Content-Length body (a large upload); otherwise it is dropped until the next boundary."""
        log = self._log
        if log is not None:
            if type(log) is not list:  # (a read, never _AT_BOUNDARY: a read that ends mid-message left it)
                self._log_size = len(log)
                log = self._log = [log]
            if self._log_size + len(data) <= _REPLAY_LOG_MAX:
                log.append(data)
                self._log_size += len(data)
                return
        left = self._body_left
        if left and not self._in_head:
            head = b"PUT / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % left
            self._log = [head, data]
            self._log_size = len(head) + len(data)
        else:
            self._log = None

    # --- verbs llhttp does not know ---------------------------------------------------------------------

    def _odd_verb(self, exc: Exception) -> bytes | memoryview:
        """llhttp refused a verb. Find the refused message's bytes; if its verb is a token llhttp does not
        know, a fresh llhttp is handed ``_STAND_IN_METHOD`` and the rest of the message is returned for it
        (the real verb is kept for the ``Request``); a verb cut by a read is kept until the rest arrives."""
        times = self._pending_times or (self._received_at, self._received_wall)
        self._pending_times = None
        log = self._log
        if log is None:
            self._refuse_verb(exc)
        message = _replay_from(log if type(log) is list else [log])
        start = 0
        while start < len(message) and message[start] in _CRLF:  # llhttp skips empty lines before a request
            start += 1
        window = bytes(message[start : start + MAX_FIELD_LENGTH + 1])
        space = window.find(b" ")
        verb = window if space < 0 else window[:space]
        if _TOKEN.fullmatch(verb) is None or (self._escaped and b"%" in verb):
            self._refuse_verb(exc)
        if len(verb) > MAX_FIELD_LENGTH:
            # A verb is a request-line field: MaxFieldLength bounds it (and what is buffered waiting for it).
            self._request_line = (verb[:MAX_FIELD_LENGTH].decode("ascii"), "", b"")
            self._poison(ProtocolError("verb too long", (400, 0), "FieldLength"))
        if space >= 0 and _llhttp_knows(verb):
            self._refuse_verb(exc)
        # llhttp is dead after an error; a fresh one starts at this message, which is a boundary.
        self._parser = httptools.HttpRequestParser(self)
        self._reset_head()
        if space < 0:
            self._pending_method = bytes(message[start:])
            self._pending_times = times
            self._log = _AT_BOUNDARY  # the message starts again, from its first byte, with the next read
            self._in_head = True  # the header-wait timer runs for a verb cut by a read
            return b""
        self._odd_method = verb
        self._odd_times = times
        rest = message[start + space :]  # a view: the pipelined bytes behind it are not copied again
        self._parser.feed_data(_STAND_IN_METHOD)  # cannot fail: the start of a request line
        self._log = [_STAND_IN_METHOD, rest]
        self._log_size = len(_STAND_IN_METHOD) + len(rest)
        return rest

    def _refuse_verb(self, exc: Exception) -> NoReturn:
        """400 Invalid Verb: not a token (control characters, separators, high-bit bytes), or a verb llhttp
        knows refused for what follows it. HTTPERR has no request line for it (cs-method '-')."""
        self._poison(ProtocolError(str(exc) or "invalid verb", (400, 0), "Verb"))

    # --- errors -----------------------------------------------------------------------------------------

    def _poison(self, error: ProtocolError) -> NoReturn:
        error.events = self._events  # type: ignore[attr-defined]  # the good events before the error
        # (method, version, target) when the refused head got that far: HTTPERR's cs-method, cs-version
        # and cs-uri, and whether the answer may carry a body (not to HEAD).
        line = self._request_line
        if line is None and self._in_head and not self._request_line_pending:
            # Refused among the headers (FieldLength, RequestLength): the request line was parsed whole, and
            # HTTP.sys logs it ("HTTP/1.1 GET /owa/ 400 - FieldLength -").
            line = self._parsed_request_line()
        error.request_line = line if self._in_head else None  # type: ignore[attr-defined]
        self._error = error
        self._events = []
        raise error

    def _parsed_request_line(self) -> tuple[str, str, bytes] | None:
        """(method, version, target) of the message whose headers are being read, from llhttp's state."""
        try:
            raw = self._odd_method if self._odd_method is not None else self._parser.get_method()
            version = self._parser.get_http_version()
        except Exception:  # llhttp has no request line to give
            return None
        return raw.decode("ascii", "replace"), version, b"".join(self._url)

    def _finish_after_upgrade(self) -> None:
        self._finished = True
        events = self._events
        # llhttp stops right after the head and skips the body; a request that announced one would be
        # handed a body that never comes, so it is refused instead.
        for event in reversed(events):
            if type(event) is Request:
                event.keep_alive = False
                if event.content_length or event.chunked:
                    self._poison(ProtocolError("body on an upgrade request", (400, 0), "BadRequest"))
                break
        if not events or events[-1] is not END_OF_MESSAGE:
            events.append(END_OF_MESSAGE)

    # --- llhttp callbacks -------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._in_head = True
        self._begun_in_feed = True
        c = clock.CLOCK
        self._received_at = c.monotonic()
        self._received_wall = c.time()

    def on_url(self, fragment: bytes) -> None:
        self._url.append(fragment)
        self._url_len += len(fragment)
        if self._url_len > MAX_URL_BYTES:
            raise ProtocolError("request URL too long", (414, 0), "URL_Length")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._request_line_pending = False
        size = len(name) + len(value)
        if size > MAX_FIELD_LENGTH:
            raise ProtocolError("header field too long", (400, 0), "FieldLength")
        self._head_exact += size + _HEADER_LINE_OVERHEAD
        name = name.lower()
        if name in _SPECIAL_HEADERS:
            if name == b"host":
                self._host = value
                self._host_count += 1
            elif name == b"transfer-encoding":
                # Several Transfer-Encoding lines form one list (RFC 9110 §5.3).
                self._te = value if self._te is None else self._te + b"," + value
            elif name == b"content-length":
                self._has_cl = True
            else:
                self._expect = value
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._request_line_pending = False
        parser = self._parser
        target = self._url[0] if len(self._url) == 1 else b"".join(self._url)
        odd = self._odd_method
        if odd is None:
            raw_method = parser.get_method()
        else:  # llhttp parsed this message under _STAND_IN_METHOD
            raw_method = odd
            self._received_at, self._received_wall = self._odd_times
        self._head_exact += len(raw_method) + 1 + self._url_len + _REQUEST_LINE_OVERHEAD + 2
        if self._head_exact > MAX_REQUEST_BYTES:
            raise ProtocolError("request head too long", (400, 0), "RequestLength")

        method = _METHODS.get(raw_method)
        if method is None:
            method = raw_method.decode("ascii", "replace")
            if len(_METHODS) < 64 and odd is None:
                _METHODS[raw_method] = method
        version = parser.get_http_version()
        self._request_line = (method, version, target)
        if version != "1.1" and version != "1.0":
            raise ProtocolError("HTTP version not supported", (505, 0), "Version_N/S")

        # request-target forms (RFC 9112 §3.2): origin-form, absolute-form, asterisk-form (OPTIONS only).
        host_value = self._host
        if self._host_count > 1:
            raise ProtocolError("more than one Host header", (400, 0), "Hostname")
        if target[:1] == b"/":
            path_query = target
        elif target[:7].lower() == b"http://" or target[:8].lower() == b"https://":
            rest = target[target.index(b"//") + 2 :]
            slash = rest.find(b"/")
            authority, path_query = (rest, b"/") if slash < 0 else (rest[:slash], rest[slash:])
            host_value = authority  # RFC 9112 §3.2.2: the target's authority wins over Host
        elif target == b"*" and method == "OPTIONS":
            path_query = target
        else:
            raise ProtocolError("invalid request target", (400, 0), "URL")

        if host_value is None:
            if version == "1.1":
                raise ProtocolError("HTTP/1.1 request without Host", (400, 0), "Hostname")
            host = ""
        else:
            last = self._last_host
            if host_value == last[0]:
                host = last[1]
            else:
                host = parse_host(host_value.strip(b" \t"))
                self._last_host = (host_value, host)
            if host is None:
                raise ProtocolError("invalid Host", (400, 0), "Hostname")

        qmark = path_query.find(b"?")
        if qmark < 0:
            path, query = path_query, b""
        else:
            path, query = path_query[:qmark], path_query[qmark + 1 :]
        if len(path) > URL_SEGMENT_MAX_COUNT:  # shorter paths cannot break either segment limit
            _check_segments(path)
        if not ALLOW_RESTRICTED_CHARS and b"%" in path and _ESCAPED_CONTROL.search(path) is not None:
            # AllowRestrictedChars=0: HTTP.sys refuses escaped control characters (%00-%1F, %7F) in the path.
            raise ProtocolError("escaped control character in URL", (400, 0), "URL")
        if (b"%" in path or b".." in path) and path[:1] == b"/":
            _check_canonical(path)

        chunked = False
        te = self._te
        if te is not None:
            if te.strip(b" \t").lower() != b"chunked":
                raise ProtocolError("transfer-coding not implemented", (501, 0), "N/I")
            chunked = True
        content_length = parser_content_length(self._headers) if self._has_cl else None
        self._body_left = content_length
        if (
            content_length is None
            and not chunked
            and method in BODY_METHODS
        ):
            raise ProtocolError("length required", (411, 0), "LengthRequired")

        expect_continue = False
        if self._expect is not None:
            expect_continue = self._expect.strip(b" \t").lower() == b"100-continue" and version == "1.1"

        # Positional, in Request's field order (half the cost of keywords, once per request); the field each
        # value fills is named on its line, and tests/protocol checks every field of the Request built here.
        request = Request(
            method,  # method
            target,  # target
            path,  # path
            query,  # query
            version,  # http_version
            self._headers,  # headers
            None,  # site (the listener routes)
            _NO_ADDRESS,  # client (the listener fills in the connection's facts)
            _NO_ADDRESS,  # server
            False,  # tls
            content_length,  # content_length
            chunked,  # chunked
            expect_continue,  # expect_continue
            parser.should_keep_alive(),  # keep_alive
            self._head_exact,  # head_bytes
            self._received_at,  # received_at
            self._received_wall,  # received_wall
            0,  # connection_id
            EMPTY_BODY,  # body
            host,  # host
        )
        self._events.append(request)
        self._in_head = False

    def on_body(self, body: bytes) -> None:
        self._events.append(Data(body))
        left = self._body_left
        if left is not None:
            self._body_left = left - len(body)

    def on_message_complete(self) -> None:
        self._request_line_pending = True
        events = self._events
        events.append(END_OF_MESSAGE)
        # Rule 3: find this message's Request (the last one) to know whether more may follow.
        for event in reversed(events):
            if type(event) is Request:
                if not event.keep_alive:
                    self._finished = True
                break
        else:
            # The head was returned by an earlier feed: llhttp knows the keep-alive verdict.
            if not self._parser.should_keep_alive():
                self._finished = True
        self._reset_head()
        if self._finished:
            # Stop llhttp from reading pipelined bytes that must not be served (it would 400 on them).
            raise _Finished


def _is_http_method_error(exc: Exception) -> bool:
    """llhttp's refusal of an RTSP-only verb (PLAY, SETUP ...) on an HTTP request: a token verb to HTTP.sys."""
    return str(exc).startswith("Invalid method for HTTP")


class _Counter:
    """A do-nothing llhttp protocol that counts the messages it completes (``_replay_from``)."""

    __slots__ = ("completed",)

    def __init__(self) -> None:
        self.completed = 0

    def on_message_complete(self) -> None:
        self.completed += 1


def _completed_in(log: list[Any], limit: int) -> int:
    """How many messages a fresh llhttp completes over the first ``limit`` bytes of ``log`` (it stops at
    an error, so this costs no more than the bytes up to the refused verb)."""
    counter = _Counter()
    parser = httptools.HttpRequestParser(counter)
    try:
        for piece in log:
            if limit <= 0:
                break
            view = memoryview(piece)
            parser.feed_data(view[:limit] if len(view) > limit else view)
            limit -= len(view)
    except (httptools.HttpParserError, httptools.HttpParserUpgrade):
        pass
    return counter.completed


def _replay_from(log: list[Any]) -> memoryview:
    """The bytes of ``log`` from the start of the message llhttp refused to the end.

    ``log`` is what llhttp was fed from a message boundary on, so a fresh llhttp reproduces the run exactly:
    the refused message starts where the messages before it end. httptools reports no positions, so that end
    is the shortest prefix of ``log`` that completes as many messages as the whole of it (completions only
    grow with the prefix), found by doubling then halving: the work is a few passes over the bytes before
    the refused message, so pipelined odd verbs cost linear time. Runs only when a verb was refused."""
    total = sum(len(piece) for piece in log)
    completed = _completed_in(log, total)
    if completed:
        high = 256
        while high < total and _completed_in(log, high) < completed:
            high *= 2
        low, high = high // 2 if high > 256 else 0, min(high, total)
        while low < high:
            middle = (low + high) // 2
            if _completed_in(log, middle) >= completed:
                high = middle
            else:
                low = middle + 1
        offset = low
    else:
        offset = 0
    for index, piece in enumerate(log):  # the message starts in this piece: copy only when it spans pieces
        if offset < len(piece):
            if index == len(log) - 1:
                return memoryview(piece)[offset:]
            return memoryview(b"".join([memoryview(piece)[offset:], *log[index + 1 :]]))
        offset -= len(piece)
    return memoryview(b"")


def _llhttp_knows(verb: bytes) -> bool:
    """Whether llhttp takes ``verb`` on an HTTP/1.1 request (then a refusal was about something else)."""
    try:
        httptools.HttpRequestParser(_Counter()).feed_data(verb + b" / HTTP/1.1\r\nHost: a\r\n\r\n")
    except httptools.HttpParserError as exc:
        return not (isinstance(exc, httptools.HttpParserInvalidMethodError) or _is_http_method_error(exc))
    return True


class _Finished(Exception):
    """Raised from on_message_complete to stop llhttp after the last request of the connection."""


_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_CRLF = b"\r\n"
_VERSION_END = re.compile(rb" HTTP/\d\.\d\r?\n\Z")


def _percent_encode(match: re.Match[bytes]) -> bytes:
    return b"%%%02X" % match.group()[0]


def _ends_request_line(line: bytes) -> bool:
    """Whether ``line`` (the first line of a read, inside a head) is the rest of a request line that an
    earlier read cut, rather than a header line."""
    return _VERSION_END.search(line) is not None


def parser_content_length(headers: list[tuple[bytes, bytes]]) -> int:
    """The Content-Length value; llhttp has already refused malformed and conflicting ones."""
    for name, value in headers:
        if name == b"content-length":
            return int(value)
    raise ProtocolError("missing Content-Length", (400, 0), "Number")  # pragma: no cover - llhttp checked


def _check_segments(path: bytes) -> None:
    """UrlSegmentMaxLength / UrlSegmentMaxCount on the decoded path (only called for long paths)."""
    segments = path.split(b"/")
    if len(segments) - 1 > URL_SEGMENT_MAX_COUNT:
        raise ProtocolError("too many URL segments", (400, 0), "URL")
    for segment in segments:
        if len(segment) > URL_SEGMENT_MAX_LENGTH:
            decoded = unquote_to_bytes(segment).decode("utf-8", "replace")
            if len(decoded) > URL_SEGMENT_MAX_LENGTH:
                raise ProtocolError("URL segment too long", (400, 0), "URL")


def _check_canonical(path: bytes) -> None:
    """HTTP.sys's canonicalisation of the path: one that cannot be decoded (invalid or overlong UTF-8, an
    escaped control character) or whose ``..`` climbs above ``/`` is 400 Invalid URL, s-reason ``URL``. The
    decoding is the pipeline's own (``w3py.core.url``), so whatever passes here decodes there the same way.
    Only called when the path has a ``%`` or a ``..``: a plain path cannot fail either check."""
    try:
        text = decode_path(path)
    except UndecodablePath as exc:
        raise ProtocolError(str(exc), (400, 0), "URL") from None
    if climbs_above_root(text):
        raise ProtocolError("the URL climbs above the root", (400, 0), "URL")
