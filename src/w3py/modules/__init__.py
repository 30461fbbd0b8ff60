"""The one visible list of the IIS modules w3py implements: IIS module name → class.

A ``<modules>`` entry whose name is not here answers 500.21 for the paths it applies to. To add a module,
write ``modules/<snake_name>.py`` with a ``Module`` subclass and add ONE line below (keep it sorted).
Entries are ``"IISName": "w3py.modules.<file>:<Class>"`` so that each line stands alone.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from w3py.pipeline.module import Module

_IMPLEMENTED: dict[str, str] = {
    "AnonymousAuthenticationModule": "w3py.modules.anonymous_authentication:AnonymousAuthenticationModule",
    "CustomErrorModule": "w3py.modules.custom_error:CustomErrorModule",
    "DefaultDocumentModule": "w3py.modules.default_document:DefaultDocumentModule",
    "DirectoryListingModule": "w3py.modules.directory_listing:DirectoryListingModule",
    "HttpCacheModule": "w3py.modules.http_cache:HttpCacheModule",
    "HttpLoggingModule": "w3py.modules.http_logging:HttpLoggingModule",
    "HttpRedirectionModule": "w3py.modules.http_redirection:HttpRedirectionModule",
    "ProtocolSupportModule": "w3py.modules.protocol_support:ProtocolSupportModule",
    "RequestFilteringModule": "w3py.modules.request_filtering.module:RequestFilteringModule",
    "StaticFileModule": "w3py.modules.static_file:StaticFileModule",
}


# Native IIS modules w3py does not implement but may leave out of a plan without changing any answer a
# request gets, so that an applicationHost.config copied from Windows serves its static content:
# * handler providers — they act only for requests mapped to a handler that names them, and such a request
#   still gets 500.21 ("Handler X has a bad module Y");
# * caches, compression, tracing, monitoring, warm-up, configuration validation (500.22–24 is not checked),
#   ISAPI filters, and URL Rewrite (whose configuration w3py accepts and ignores until it implements it).
# Every other name w3py does not implement — authentication, authorization and IP restriction modules above
# all, whose absence would serve what IIS refuses — makes its paths 500.21.
SKIPPABLE_NATIVE: frozenset[str] = frozenset({
    # handler providers
    "IsapiModule", "CgiModule", "FastCgiModule", "ServerSideIncludeModule", "WebDAVModule",
    "AspNetCoreModule", "AspNetCoreModuleV2", "ApplicationRequestRouting", "WebSocketModule",
    # no effect on what a request is answered
    "UriCacheModule", "FileCacheModule", "TokenCacheModule", "StaticCompressionModule",
    "DynamicCompressionModule", "RequestMonitorModule", "TracingModule", "FailedRequestsTracingModule",
    "CustomLoggingModule", "ConfigurationValidationModule", "ApplicationInitializationModule",
    "IsapiFilterModule", "RewriteModule", "WebMatrixSupportModule",
})


def _load(table: dict[str, str]) -> dict[str, "type[Module]"]:
    out: dict[str, type[Module]] = {}
    for name, where in table.items():
        module_name, _, class_name = where.partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        if cls.name != name:
            raise TypeError(f"w3py.modules lists {name!r} but {where} is named {cls.name!r}")
        out[name] = cls
    return out


MODULES: dict[str, "type[Module]"] = _load(_IMPLEMENTED)
