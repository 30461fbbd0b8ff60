"""The Win32 error codes IIS reports as ``sc-win32-status`` for the statuses w3py's pipeline produces.

IIS logs the low word of a FACILITY_WIN32 HRESULT (0x80070002 → 2). Names are Windows' own.
"""

ERROR_SUCCESS = 0
ERROR_INVALID_FUNCTION = 1  # 0x80070001: 405.0 from StaticFileModule
ERROR_FILE_NOT_FOUND = 2  # 0x80070002: 404.0, 404.4, 404.9
ERROR_PATH_NOT_FOUND = 3  # 0x80070003: a path that cannot exist (name too long)
ERROR_ACCESS_DENIED = 5  # 0x80070005: 401.3, 403.1/403.2/403.3
ERROR_INVALID_DATA = 13  # 0x8007000d: 500.19 malformed configuration, 500.0 bad precondition
ERROR_NOT_SUPPORTED = 50  # 0x80070032: 404.3, 404.17
ERROR_NETNAME_DELETED = 64  # 0x80070040: the client went away before the response was sent
ERROR_MOD_NOT_FOUND = 126  # 0x8007007e: 500.21


def from_hresult(hresult: int) -> int:
    """The ``sc-win32-status`` for an HRESULT: its code for FACILITY_WIN32 (0x8007xxxx), else the value."""
    if (hresult >> 16) & 0x1FFF == 7:
        return hresult & 0xFFFF
    return hresult
