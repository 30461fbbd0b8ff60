"""The module base class and the registry of module classes by IIS name.

A module declares what it does by what it defines (STYLE.md §2.2): ``on_<notification>`` methods say which
notifications it handles, ``sections`` which configuration sections it reads, ``priority`` where it runs
within a notification. ``__init_subclass__`` checks all of that when the class is created, so a typo fails at
import time rather than silently never running (Caddy's RegisterModule guards play the same role).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from w3py.pipeline.notifications import END_NOTIFICATIONS, HANDLER_METHODS, Notification, Priority

if TYPE_CHECKING:
    from w3py.pipeline.context import HTTPContext

# Every concrete module class by its IIS name. ``w3py.modules`` is the visible list of what w3py implements;
# this registry exists to catch two classes claiming the same name.
_REGISTRY: dict[str, type["Module"]] = {}


class ModuleDeclarationError(TypeError):
    """A module class declares something the pipeline cannot honour (raised at class creation)."""


class Module:
    """Base of every pipeline module: a unit of IIS behaviour run on request notifications.

    A request flows through the notifications in IIS order: BEGIN_REQUEST, AUTHENTICATE_REQUEST,
    AUTHORIZE_REQUEST, RESOLVE_REQUEST_CACHE, MAP_REQUEST_HANDLER (the engine picks the handler from
    ``<handlers>`` here), ACQUIRE_REQUEST_STATE, PRE_EXECUTE_REQUEST_HANDLER, EXECUTE_REQUEST_HANDLER (only the
    modules named by the chosen handler run), RELEASE_REQUEST_STATE, UPDATE_REQUEST_CACHE; then the end
    notifications SEND_RESPONSE (the head is about to leave: custom errors, headers), LOG_REQUEST and
    END_REQUEST (after the last byte was written). A module subscribes by defining ``on_<notification>``
    (and ``on_post_<notification>`` for IIS's post-event, fired after every module handled the main one).

    A handler receives the ``HTTPContext`` and returns ``NotificationStatus.CONTINUE`` (or ``None``) or
    ``NotificationStatus.FINISH_REQUEST``. To refuse a request, set a status and finish, either the IIS way
    (``ctx.response.set_status(NOT_FOUND, win32=2); return FINISH_REQUEST``) or by raising ``HTTPError`` from
    any depth; the engine turns both into the same state. Any other exception becomes 500.0 naming the module
    and notification. The end notifications always run, even after an early finish.

    Handlers may be ``def`` or ``async def``, except for the end notifications (SEND_RESPONSE, LOG_REQUEST,
    END_REQUEST), which run from the listener's synchronous completion hook and must be plain ``def``.

    Lifecycle: one instance per plan. A plan serves every path whose effective configuration is made of the
    same section objects (in the same virtual directory), so ``provision(config)`` must depend on the sections
    only — not on ``config.path``; per-request path facts come from the context. ``__init__`` takes no
    arguments; ``provision(config)`` is called once and is the place to read sections and build lookups;
    ``validate()`` may raise ``ConfigError`` (→ 500.19); ``cleanup()`` is called when the plan is dropped.
    Nothing per-request belongs on ``self``: use ``ctx.module_data[self.index]``.

    Class attributes:

    * ``name`` — the IIS module name, verbatim (``"StaticFileModule"``), as used in ``<modules>``.
    * ``sections`` — the configuration section classes the module reads; must be declared (``()`` for none).
    * ``priority`` — optional ``{Notification: Priority}``; unspecified notifications run at MEDIUM.
    """

    name: ClassVar[str] = ""
    sections: ClassVar[tuple[type, ...]] = ()
    priority: ClassVar[Mapping[Notification, Priority]] = {}

    # filled in by __init_subclass__: the notifications (mask) and post-notifications the class handles
    notifications: ClassVar[Notification] = Notification(0)
    post_notifications: ClassVar[Notification] = Notification(0)

    # set by the plan builder: this instance's position in the plan (index into ctx.module_data)
    index: int = -1

    def __init_subclass__(cls, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        mask = Notification(0)
        post = Notification(0)
        for attr in dir(cls):
            if not attr.startswith("on_"):
                continue
            known = HANDLER_METHODS.get(attr)
            if known is None:
                raise ModuleDeclarationError(
                    f"{cls.__qualname__}.{attr} is not a notification handler: expected one of "
                    "on_<notification> / on_post_<notification> (e.g. on_begin_request)"
                )
            notification, is_post = known
            fn = getattr(cls, attr)
            if not callable(fn):
                raise ModuleDeclarationError(f"{cls.__qualname__}.{attr} must be a method")
            if notification in END_NOTIFICATIONS and inspect.iscoroutinefunction(fn):
                raise ModuleDeclarationError(
                    f"{cls.__qualname__}.{attr} must be a plain def: end notifications run synchronously"
                )
            if is_post:
                post |= notification
            else:
                mask |= notification
        cls.notifications = mask
        cls.post_notifications = post
        for notification, prio in dict(cls.priority).items():
            if not isinstance(notification, Notification) or not isinstance(prio, Priority):
                raise ModuleDeclarationError(f"{cls.__qualname__}.priority must map Notification to Priority")
            if not (notification & (mask | post)):
                raise ModuleDeclarationError(
                    f"{cls.__qualname__}.priority names {notification.name}, which the class does not handle"
                )
        if abstract:
            return
        if not isinstance(cls.__dict__.get("name"), str) or not cls.__dict__["name"]:
            raise ModuleDeclarationError(f"{cls.__qualname__} must declare its IIS module name: name = '...'")
        if "sections" not in cls.__dict__:
            raise ModuleDeclarationError(
                f"{cls.__qualname__} must declare the configuration sections it reads: sections = (...) or ()"
            )
        if not isinstance(cls.sections, tuple):
            raise ModuleDeclarationError(f"{cls.__qualname__}.sections must be a tuple of section classes")
        other = _REGISTRY.get(cls.name)
        if other is not None and other is not cls and _qualified(other) != _qualified(cls):
            raise ModuleDeclarationError(
                f"module name {cls.name!r} is already taken by {_qualified(other)}; names must be unique"
            )
        _REGISTRY[cls.name] = cls

    # --- lifecycle hooks (override as needed) -------------------------------------------------------------
    def provision(self, config: Any) -> None:
        """Read this module's sections from the effective ``config`` and precompute what requests need."""

    def validate(self) -> None:
        """Cross-check the provisioned settings; raise ``ConfigError`` when they cannot work together."""

    def cleanup(self) -> None:
        """Release what ``provision`` acquired (pools, files) when the plan is dropped."""

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def registered_module(name: str) -> type[Module] | None:
    """The module class registered under IIS name ``name`` (any module class ever defined), or None."""
    return _REGISTRY.get(name)


def unregister_module(name: str) -> None:
    """Forget a module name (tests that define throw-away modules)."""
    _REGISTRY.pop(name, None)


if TYPE_CHECKING:  # pragma: no cover
    _ = HTTPContext
