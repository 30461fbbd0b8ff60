"""Named status.substatus values (STYLE.md §2.3): the one table code refers to instead of bare (404, 7) literals.

Only ``code`` and ``reason`` reach the status line. ``substatus`` feeds sc-substatus, ``<httpErrors>``
selection by subStatusCode and the detailed error page. The texts a human reads (titles, descriptions,
causes, things to try) live in ``w3py.catalog``, never here.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus


def reason_phrase(code: int) -> str:
    """The standard reason phrase IIS sends for ``code`` (``"Not Found"``), or ``""`` if unknown."""
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return _EXTRA_REASONS.get(code, "")


_EXTRA_REASONS = {440: "Login Time-out", 449: "Retry With"}


@dataclass(frozen=True, slots=True)
class Status:
    """A status code with IIS's substatus. ``str(Status(404, 7))`` is ``"404.7"``."""

    code: int
    substatus: int = 0

    @property
    def reason(self) -> str:
        return reason_phrase(self.code)

    def __str__(self) -> str:
        return f"{self.code}.{self.substatus}"


# --- success and redirection ---------------------------------------------------------------------------
OK = Status(200)
PARTIAL_CONTENT = Status(206)
MOVED_PERMANENTLY = Status(301)
FOUND = Status(302)
NOT_MODIFIED = Status(304)
TEMPORARY_REDIRECT = Status(307)
PERMANENT_REDIRECT = Status(308)

# --- 400: the listener (HTTP.sys) and the pipeline ------------------------------------------------------
BAD_REQUEST = Status(400)
# --- 401: authentication ---------------------------------------------------------------------------------
LOGON_FAILED = Status(401, 1)
LOGON_FAILED_SERVER_CONFIG = Status(401, 2)
UNAUTHORIZED_ACL = Status(401, 3)
AUTHORIZATION_FILTER = Status(401, 4)
AUTHORIZATION_ISAPI_CGI = Status(401, 5)
# --- 403: forbidden --------------------------------------------------------------------------------------
EXECUTE_ACCESS_FORBIDDEN = Status(403, 1)
READ_ACCESS_FORBIDDEN = Status(403, 2)
WRITE_ACCESS_FORBIDDEN = Status(403, 3)
SSL_REQUIRED = Status(403, 4)
SSL_128_REQUIRED = Status(403, 5)
IP_ADDRESS_REJECTED = Status(403, 6)
CLIENT_CERT_REQUIRED = Status(403, 7)
SITE_ACCESS_DENIED = Status(403, 8)
TOO_MANY_USERS = Status(403, 9)
INVALID_CONFIGURATION_403 = Status(403, 10)
PASSWORD_CHANGE = Status(403, 11)
MAPPER_DENIED = Status(403, 12)
CLIENT_CERT_REVOKED = Status(403, 13)
DIRECTORY_LISTING_DENIED = Status(403, 14)
CLIENT_ACCESS_LICENSES_EXCEEDED = Status(403, 15)
CLIENT_CERT_UNTRUSTED = Status(403, 16)
CLIENT_CERT_EXPIRED = Status(403, 17)
CANNOT_EXECUTE_IN_APP_POOL = Status(403, 18)
CANNOT_EXECUTE_CGI = Status(403, 19)
PASSPORT_LOGON_FAILED = Status(403, 20)
SOURCE_ACCESS_DENIED = Status(403, 21)
INFINITE_DEPTH_DENIED = Status(403, 22)
DENIED_BY_IP_SECURITY = Status(403, 502)
DENIED_BY_DYNAMIC_IP = Status(403, 503)
# --- 404: not found and request filtering ----------------------------------------------------------------
NOT_FOUND = Status(404)
SITE_NOT_FOUND = Status(404, 1)
ISAPI_CGI_RESTRICTION = Status(404, 2)
MIME_MAP_DENIED = Status(404, 3)
NO_HANDLER = Status(404, 4)
URL_SEQUENCE_DENIED = Status(404, 5)
VERB_DENIED = Status(404, 6)
FILE_EXTENSION_DENIED = Status(404, 7)
HIDDEN_NAMESPACE = Status(404, 8)
FILE_ATTRIBUTE_HIDDEN = Status(404, 9)
REQUEST_HEADER_TOO_LONG = Status(404, 10)
URL_DOUBLE_ESCAPED = Status(404, 11)
URL_HIGH_BIT_CHARACTERS = Status(404, 12)
CONTENT_LENGTH_TOO_LARGE = Status(404, 13)
URL_TOO_LONG = Status(404, 14)
QUERY_STRING_TOO_LONG = Status(404, 15)
DAV_TO_STATIC_HANDLER = Status(404, 16)
DYNAMIC_CONTENT_AS_STATIC = Status(404, 17)
QUERY_STRING_SEQUENCE_DENIED = Status(404, 18)
FILTERING_RULE_DENIED = Status(404, 19)
TOO_MANY_URL_SEGMENTS = Status(404, 20)
# --- other 4xx -------------------------------------------------------------------------------------------
METHOD_NOT_ALLOWED = Status(405)
NOT_ACCEPTABLE = Status(406)
REQUEST_TIMEOUT = Status(408)
LENGTH_REQUIRED = Status(411)
PRECONDITION_FAILED = Status(412)
CONTENT_TOO_LARGE = Status(413)
CONTENT_TOO_LARGE_IIS10 = Status(413, 1)
URI_TOO_LONG = Status(414)
RANGE_NOT_SATISFIABLE = Status(416)
HEADERS_TOO_LARGE = Status(431)
# --- 5xx -------------------------------------------------------------------------------------------------
INTERNAL_SERVER_ERROR = Status(500)
CONFIG_DATA_INVALID = Status(500, 19)
MODULE_NOT_RECOGNIZED = Status(500, 21)
NOT_IMPLEMENTED = Status(501)
SERVICE_UNAVAILABLE = Status(503)
CONCURRENT_REQUEST_LIMIT = Status(503, 2)
HTTP_VERSION_NOT_SUPPORTED = Status(505)
