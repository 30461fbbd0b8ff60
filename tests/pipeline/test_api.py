"""The plug-in surface is small and changes only on purpose (STYLE.md §2.1)."""

import w3py.api


def test_public_names() -> None:
    assert sorted(w3py.api.__all__) == [
        "CacheCandidate",
        "ChildRequestRefused",
        "ChildResult",
        "ConfigError",
        "FileBody",
        "FileInfo",
        "HTTPContext",
        "HTTPError",
        "HTTPResponse",
        "Module",
        "ModuleDeclarationError",
        "Notification",
        "NotificationStatus",
        "Priority",
        "SiteOptions",
        "Status",
        "WEB_CORE",
        "execute_child",
        "file_signature",
        "win32",
    ]
    for name in w3py.api.__all__:
        assert getattr(w3py.api, name) is not None


def test_notification_bits_are_iis_values() -> None:
    N = w3py.api.Notification
    assert (N.BEGIN_REQUEST, N.MAP_REQUEST_HANDLER, N.EXECUTE_REQUEST_HANDLER, N.END_REQUEST) == (
        0x1, 0x10, 0x80, 0x800)
    assert (N.SEND_RESPONSE, N.READ_ENTITY, N.MAP_PATH) == (0x20000000, 0x40000000, 0x80000000)
