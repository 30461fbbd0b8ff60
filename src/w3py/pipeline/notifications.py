"""IIS request notifications, their order, and the values a module handler returns.

The numbers are IIS's own ``RQ_*`` bits (Request-Processing Constants in the IIS native API reference), so a
mask printed in a log or a trace reads the same as in IIS documentation.
"""

from __future__ import annotations

import enum


class Notification(enum.IntFlag):
    """A request notification (IIS ``RQ_*`` constant). A module handles one by defining ``on_<name>``."""

    BEGIN_REQUEST = 0x1
    AUTHENTICATE_REQUEST = 0x2
    AUTHORIZE_REQUEST = 0x4
    RESOLVE_REQUEST_CACHE = 0x8
    MAP_REQUEST_HANDLER = 0x10
    ACQUIRE_REQUEST_STATE = 0x20
    PRE_EXECUTE_REQUEST_HANDLER = 0x40
    EXECUTE_REQUEST_HANDLER = 0x80
    RELEASE_REQUEST_STATE = 0x100
    UPDATE_REQUEST_CACHE = 0x200
    LOG_REQUEST = 0x400
    END_REQUEST = 0x800
    # non-deterministic notifications: they fire when the event happens, not at a fixed place
    SEND_RESPONSE = 0x20000000
    READ_ENTITY = 0x40000000
    MAP_PATH = 0x80000000

    @property
    def method_name(self) -> str:
        """``on_begin_request`` for BEGIN_REQUEST."""
        return "on_" + (self.name or "").lower()

    @property
    def post_method_name(self) -> str:
        """``on_post_begin_request`` for BEGIN_REQUEST."""
        return "on_post_" + (self.name or "").lower()


class NotificationStatus(enum.Enum):
    """What a module handler returns (IIS ``REQUEST_NOTIFICATION_STATUS``).

    ``CONTINUE`` lets the request go on; ``FINISH_REQUEST`` ends it: the engine skips the remaining request
    notifications and runs only the end notifications (SEND_RESPONSE, LOG_REQUEST, END_REQUEST). IIS's
    ``PENDING`` has no equivalent: an ``async def`` handler simply awaits. Returning ``None`` means CONTINUE.
    """

    CONTINUE = 0
    FINISH_REQUEST = 1


class Priority(enum.IntEnum):
    """A module's priority within one notification (IIS ``PRIORITY_ALIAS_*``). Lower runs first, except in
    SEND_RESPONSE where IIS runs the priorities in reverse. At equal priority, the ``<modules>`` order decides.
    The default is MEDIUM."""

    FIRST = 0
    HIGH = 1
    MEDIUM = 2
    LOW = 3
    LAST = 4


# The deterministic notifications in the order IIS fires them (§3.2 of the IIS reference).
REQUEST_ORDER: tuple[Notification, ...] = (
    Notification.BEGIN_REQUEST,
    Notification.AUTHENTICATE_REQUEST,
    Notification.AUTHORIZE_REQUEST,
    Notification.RESOLVE_REQUEST_CACHE,
    Notification.MAP_REQUEST_HANDLER,
    Notification.ACQUIRE_REQUEST_STATE,
    Notification.PRE_EXECUTE_REQUEST_HANDLER,
    Notification.EXECUTE_REQUEST_HANDLER,
    Notification.RELEASE_REQUEST_STATE,
    Notification.UPDATE_REQUEST_CACHE,
    Notification.LOG_REQUEST,
    Notification.END_REQUEST,
)

# The notifications that run after a module finished the request early (and always at the end). Their
# handlers run from the listener's completion callback, which is synchronous: they must be plain ``def``.
END_NOTIFICATIONS = frozenset({Notification.SEND_RESPONSE, Notification.LOG_REQUEST, Notification.END_REQUEST})

# Notifications without a "post" form: the non-deterministic ones.
_NO_POST = frozenset({Notification.SEND_RESPONSE, Notification.READ_ENTITY, Notification.MAP_PATH})

# method name -> (notification, is_post): the table __init_subclass__ checks ``on_*`` names against.
HANDLER_METHODS: dict[str, tuple[Notification, bool]] = {}
for _n in Notification:
    HANDLER_METHODS[_n.method_name] = (_n, False)
    if _n not in _NO_POST:
        HANDLER_METHODS[_n.post_method_name] = (_n, True)
del _n
