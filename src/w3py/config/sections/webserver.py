"""``system.webServer`` sections the pipeline's modules read (reference §1.5–§1.8, §1.11, Appendices A–C).
Delegation defaults follow stock IIS 10 (reference §1.2)."""

from __future__ import annotations

from datetime import timedelta

from w3py.config.schema import (
    BOOL, EXPANDED_STRING, STRING, TIMESPAN, UINT, Enum, Flags, Int, Section, UInt, attr, collection, element,
    string,
)


class StaticContentSection(Section):
    """``staticContent``: MIME map, client cache headers and document footer used by StaticFileModule."""

    path = "system.webServer/staticContent"
    members = (
        attr("defaultDocFooter", STRING),
        attr("isDocFooterFileName", BOOL, False),
        attr("enableDocFooter", BOOL, False),
        element("clientCache",
                attr("cacheControlMode", Enum(NoControl=0, DisableCache=1, UseMaxAge=2, UseExpires=3),
                     "NoControl"),
                attr("cacheControlMaxAge", TIMESPAN, timedelta(days=1)),
                attr("httpExpires", STRING),
                attr("cacheControlCustom", STRING),
                attr("setEtag", BOOL, True)),
        collection("mimeMap",
                   attr("fileExtension", string(non_empty=True), required=True, key=True),
                   attr("mimeType", string(non_empty=True), required=True)),
    )


class DefaultDocumentSection(Section):
    """``defaultDocument``: the documents DefaultDocumentModule tries for a directory URL, in order. Entries
    added below are tried before inherited ones (``mergeAppend="false"`` in IIS_schema.xml)."""

    path = "system.webServer/defaultDocument"
    members = (
        attr("enabled", BOOL, True),
        element("files", collection("add", attr("value", string(non_empty=True), required=True, key=True),
                                    merge_append=False)),
    )


class DirectoryBrowseSection(Section):
    """``directoryBrowse``: whether DirectoryListingModule lists a directory and which columns it shows."""

    path = "system.webServer/directoryBrowse"
    members = (
        attr("enabled", BOOL, False),
        attr("showFlags", Flags(**{"None": 0, "Date": 2, "Time": 4, "Size": 8, "Extension": 16, "LongDate": 32}),
             frozenset({"Date", "Time", "Size", "Extension"})),
    )


RESPONSE_MODE = Enum(File=0, ExecuteURL=1, Redirect=2)


class HttpErrorsSection(Section):
    """``httpErrors``: detailed vs custom error pages and the custom page for each status.substatus."""

    path = "system.webServer/httpErrors"
    members = (
        attr("errorMode", Enum(DetailedLocalOnly=0, Custom=1, Detailed=2), "DetailedLocalOnly"),
        attr("existingResponse", Enum(Auto=0, Replace=1, PassThrough=2), "Auto"),
        attr("defaultPath", EXPANDED_STRING),
        attr("defaultResponseMode", RESPONSE_MODE, "File"),
        attr("detailedMoreInformationLink", STRING, "http://go.microsoft.com/fwlink/?LinkID=62293"),
        attr("allowAbsolutePathsWhenDelegated", BOOL, False),
        collection("error",
                   attr("statusCode", UInt(400, 999), required=True, key=True),
                   attr("subStatusCode", Int(-1, 999), -1, key=True),
                   attr("prefixLanguageFilePath", EXPANDED_STRING),
                   attr("path", EXPANDED_STRING, required=True),
                   attr("responseMode", RESPONSE_MODE, "File")),
    )


class HttpRedirectSection(Section):
    """``httpRedirect``: HttpRedirectionModule's destination, status and wildcard entries."""

    path = "system.webServer/httpRedirect"
    members = (
        attr("enabled", BOOL, False),
        attr("destination", STRING),
        attr("exactDestination", BOOL, False),
        attr("childOnly", BOOL, False),
        attr("httpResponseStatus", Enum(Permanent=301, Found=302, Temporary=307, PermRedirect=308), "Found"),
        collection("add", attr("wildcard", string(non_empty=True), required=True, key=True),
                   attr("destination", STRING, required=True)),
    )


class HttpProtocolSection(Section):
    """``httpProtocol``: keep-alive and the custom/redirect headers ProtocolSupportModule adds."""

    path = "system.webServer/httpProtocol"
    members = (
        attr("allowKeepAlive", BOOL, True),
        element("customHeaders",
                collection("add", attr("name", string(non_empty=True), required=True, key=True),
                           attr("value", STRING))),
        element("redirectHeaders",
                collection("add", attr("name", string(non_empty=True), required=True, key=True),
                           attr("value", STRING))),
    )


ACCESS_POLICY = Flags(**{"None": 0, "Read": 1, "Write": 2, "Execute": 4, "Source": 16, "Script": 512,
                         "NoRemoteWrite": 1024, "NoRemoteRead": 4096, "NoRemoteExecute": 8192,
                         "NoRemoteScript": 16384})


class HandlersSection(Section):
    """``handlers``: handler mappings, tried in order (StaticFile last); ``accessPolicy`` gates them by
    ``requireAccess``. Entries added at a deeper level come before inherited ones (``mergeAppend="false"``).
    Locked at server level in stock IIS."""

    path = "system.webServer/handlers"
    override_mode_default = "Deny"
    members = (
        attr("accessPolicy", ACCESS_POLICY, frozenset({"Read"})),
        collection("add",
                   attr("name", string(non_empty=True), required=True, key=True, case_sensitive=True),
                   attr("path", string(non_empty=True), required=True),
                   attr("verb", string(non_empty=True), required=True),
                   attr("type", STRING),
                   attr("modules", STRING, "ManagedPipelineHandler"),
                   attr("scriptProcessor", EXPANDED_STRING),
                   attr("resourceType", Enum(File=0, Directory=1, Either=2, Unspecified=3), "Unspecified"),
                   attr("requireAccess", Enum(**{"None": 0, "Read": 1, "Write": 2, "Script": 3, "Execute": 4}),
                        "Script"),
                   attr("allowPathInfo", BOOL, False),
                   attr("preCondition", STRING),
                   attr("responseBufferLimit", UINT, 4194304),
                   merge_append=False),
    )


class ModulesSection(Section):
    """``modules``: the modules enabled for a path, in pipeline order."""

    path = "system.webServer/modules"
    override_mode_default = "Deny"
    allow_definition = "MachineToApplication"
    members = (
        attr("runAllManagedModulesForAllRequests", BOOL, False),
        attr("runManagedModulesForWebDavRequests", BOOL, False),
        collection("add",
                   attr("name", string(non_empty=True), required=True, key=True, case_sensitive=True),
                   attr("type", STRING),
                   attr("preCondition", STRING)),
    )


class GlobalModulesSection(Section):
    """``globalModules``: the native modules the server loads (names match w3py's module classes)."""

    path = "system.webServer/globalModules"
    override_mode_default = "Deny"
    allow_definition = "AppHostOnly"
    members = (
        collection("add",
                   attr("name", string(non_empty=True), required=True, key=True, case_sensitive=True),
                   attr("image", EXPANDED_STRING, required=True),
                   attr("preCondition", STRING)),
    )


class ServerRuntimeSection(Section):
    """``serverRuntime``: concurrency and entity limits (reference §1.11)."""

    path = "system.webServer/serverRuntime"
    override_mode_default = "Deny"
    members = (
        attr("enabled", BOOL, True),
        attr("appConcurrentRequestLimit", UINT, 5000),
        attr("maxRequestEntityAllowed", UINT, 4294967295),
        attr("uploadReadAheadSize", UInt(0, 2147483647), 49152),
        attr("alternateHostName", STRING),
        attr("enableNagling", BOOL, False),
        attr("frequentHitThreshold", UInt(1, 2147483647), 2),
        attr("frequentHitTimePeriod", TIMESPAN, timedelta(seconds=10)),
        attr("authenticatedUserOverride", Enum(UseAuthenticatedUser=0, UseWorkerProcessUser=1),
             "UseAuthenticatedUser"),
    )


class HttpLoggingSection(Section):
    """``httpLogging``: whether HttpLoggingModule writes a line, and for which responses."""

    path = "system.webServer/httpLogging"
    override_mode_default = "Deny"
    members = (
        attr("dontLog", BOOL, False),
        attr("selectiveLogging", Enum(LogAll=0, LogSuccessful=1, LogError=2), "LogAll"),
    )


__all__ = [
    "StaticContentSection", "DefaultDocumentSection", "DirectoryBrowseSection", "HttpErrorsSection",
    "HttpRedirectSection", "HttpProtocolSection", "HandlersSection", "ModulesSection", "GlobalModulesSection",
    "ServerRuntimeSection", "HttpLoggingSection", "ACCESS_POLICY",
]


CACHE_POLICY = Enum(DontCache=0, CacheUntilChange=1, CacheForTimePeriod=2, DisableCache=3)


class CachingSection(Section):
    """``caching``: the output cache (HttpCacheModule) and HTTP.sys's kernel cache, with per-extension
    profiles (reference §1.11)."""

    path = "system.webServer/caching"
    members = (
        attr("enabled", BOOL, True),
        attr("enableKernelCache", BOOL, True),
        attr("maxCacheSize", UINT, 0),
        attr("maxResponseSize", UINT, 262144),
        element("profiles",
                collection("add",
                           attr("extension", string(non_empty=True), required=True, key=True),
                           attr("policy", CACHE_POLICY, "DontCache"),
                           attr("kernelCachePolicy", CACHE_POLICY, "DontCache"),
                           attr("duration", TIMESPAN, timedelta(seconds=30)),
                           attr("location", Enum(**{"Any": 0, "Client": 1, "Downstream": 2, "Server": 3,
                                                    "None": 4, "ServerAndClient": 5}), "Server"),
                           attr("varyByHeaders", STRING),
                           attr("varyByQueryString", STRING))),
    )


class URLCompressionSection(Section):
    """``urlCompression``: whether static and dynamic responses may be compressed."""

    path = "system.webServer/urlCompression"
    members = (
        attr("doStaticCompression", BOOL, True),
        attr("doDynamicCompression", BOOL, True),
        attr("dynamicCompressionBeforeCache", BOOL, False),
    )


class ValidationSection(Section):
    """``validation``: ConfigurationValidationModule's integrated-mode checks (500.22–500.24)."""

    path = "system.webServer/validation"
    members = (attr("validateIntegratedModeConfiguration", BOOL, True),)


class WebSocketSection(Section):
    """``webSocket``: WebSocket support (reference §1.11)."""

    path = "system.webServer/webSocket"
    override_mode_default = "Deny"
    members = (
        attr("enabled", BOOL, True),
        attr("receiveBufferLimit", UINT, 4194304),
        attr("pingInterval", TIMESPAN, timedelta(0)),
    )


class CGISection(Section):
    """``cgi``: CgiModule's process settings (reference §1.10)."""

    path = "system.webServer/cgi"
    override_mode_default = "Deny"
    members = (
        attr("createCGIWithNewConsole", BOOL, False),
        attr("createProcessAsUser", BOOL, True),
        attr("timeout", TIMESPAN, timedelta(minutes=15)),
    )


class FastCGISection(Section):
    """``fastCgi``: the FastCGI process pools, one ``<application>`` per (fullPath, arguments)
    (reference §1.10). Server level only."""

    path = "system.webServer/fastCgi"
    override_mode_default = "Deny"
    allow_definition = "AppHostOnly"
    members = (
        collection("application",
                   attr("fullPath", EXPANDED_STRING, required=True, key=True),
                   attr("arguments", STRING, key=True),
                   attr("maxInstances", UInt(0, 10000), 0),
                   attr("idleTimeout", UInt(10, 604800), 300),
                   attr("activityTimeout", UInt(10, 3600), 70),
                   attr("requestTimeout", UInt(10, 604800), 90),
                   attr("instanceMaxRequests", UInt(1, 10000000), 200),
                   attr("queueLength", UInt(1, 10000000), 1000),
                   attr("rapidFailsPerMinute", UInt(1, 2147483647), 10),
                   attr("protocol", Enum(NamedPipe=0, Tcp=1), "NamedPipe"),
                   attr("flushNamedPipe", BOOL, False),
                   attr("stderrMode", Enum(ReturnStdErrIn500=0, ReturnGeneric500=1, IgnoreAndReturn200=2,
                                           TerminateProcess=3), "ReturnStdErrIn500"),
                   attr("monitorChangesTo", EXPANDED_STRING),
                   attr("signalBeforeTerminateSeconds", UInt(0, 60), 0),
                   element("environmentVariables",
                           collection("environmentVariable",
                                      attr("name", string(non_empty=True), required=True, key=True),
                                      attr("value", STRING)))),
    )


__all__ += [
    "CachingSection", "URLCompressionSection", "ValidationSection", "WebSocketSection", "CGISection",
    "FastCGISection",
]
