"""The plug-in surface of w3py: everything a pipeline module needs, and nothing else.

A module is a class derived from ``Module`` that handles request notifications::

    from w3py.api import Module, Notification, NotificationStatus, HTTPContext, HTTPError, Priority
    from w3py import status

    class HelloModule(Module):
        name = "HelloModule"            # the name used in <globalModules>/<modules>
        sections = ()                   # configuration section classes it reads
        priority = {Notification.BEGIN_REQUEST: Priority.HIGH}

        def on_begin_request(self, ctx: HTTPContext) -> NotificationStatus:
            if ctx.url == "/forbidden":
                ctx.response.set_status(status.NOT_FOUND, win32=2)
                return NotificationStatus.FINISH_REQUEST
            return NotificationStatus.CONTINUE

See ``Module`` for the flow of a request and the rules; ``docs/pipeline.md`` for the whole picture.
"""

from __future__ import annotations

from w3py.errors import ConfigError, HTTPError
from w3py.pipeline.cache import CacheCandidate, file_signature
from w3py.pipeline.child import ChildRequestRefused, ChildResult, execute_child
from w3py.pipeline.context import WEB_CORE, HTTPContext, HTTPResponse
from w3py.pipeline.files import FileInfo, SiteOptions
from w3py.pipeline.module import Module, ModuleDeclarationError
from w3py.pipeline import win32
from w3py.pipeline.notifications import Notification, NotificationStatus, Priority
from w3py.protocol.messages import FileBody
from w3py.status import Status

__all__ = [
    "CacheCandidate",
    "ChildRequestRefused",
    "ChildResult",
    "ConfigError",
    "FileInfo",
    "FileBody",
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
