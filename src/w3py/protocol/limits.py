"""HTTP.sys's request limits, as named constants (iis-reference §1.12).

HTTP.sys reads these from ``HKLM\\System\\CurrentControlSet\\Services\\HTTP\\Parameters``; w3py fixes them at
the registry defaults. Each one is checked in ``protocol/parser.py`` and, when exceeded, becomes a
``ProtocolError`` carrying the status HTTP.sys answers with and the HTTPERR ``s-reason`` it logs.
"""

from __future__ import annotations

# MaxRequestBytes: request line + all header lines of one request -> 400, s-reason RequestLength.
MAX_REQUEST_BYTES = 16 * 1024

# MaxFieldLength: one header line (name + value) -> 400, s-reason FieldLength.
MAX_FIELD_LENGTH = 16 * 1024

# The whole request-target: longer -> 414, s-reason URL_Length.
MAX_URL_BYTES = 16 * 1024

# UrlSegmentMaxLength: characters in one path segment (after percent-decoding) -> 400, s-reason URL.
URL_SEGMENT_MAX_LENGTH = 260

# UrlSegmentMaxCount: path segments -> 400, s-reason URL.
URL_SEGMENT_MAX_COUNT = 255

# The verb in an HTTPERR line: HTTP.sys truncates cs-method at 255 bytes (iis-reference §2.5). On the wire a
# verb is a request-line field, bounded by MAX_FIELD_LENGTH (-> 400 FieldLength, parser._odd_verb).
MAX_METHOD_LOG_BYTES = 255

# cs-uri in an HTTPERR line is truncated to this many bytes (iis-reference §2.5).
MAX_URI_LOG_BYTES = 4096

# AllowRestrictedChars (0): percent-escaped control characters (%00-%1F, %7F) in the path -> 400, s-reason URL.
ALLOW_RESTRICTED_CHARS = False
