"""``system.applicationHost/*``: sites (with bindings, applications, virtual directories, limits, logFile and
the ``*Defaults`` elements), the central log settings, application pools and web limits. All are
``AppHostOnly`` (reference §1.2); defaults from reference §1.9 and §1.10."""

from __future__ import annotations

from datetime import timedelta

from w3py.config.schema import (
    BOOL, EXPANDED_STRING, PATH, STRING, TIMESPAN, UINT, Enum, Flags, Section, UInt, attr,
    collection, element, string,
)

# logExtFileFlags values (IIS_schema.xml, logFile/@logExtFileFlags).
LOG_EXT_FILE_FLAGS = Flags(
    Date=1, Time=2, ClientIP=4, UserName=8, SiteName=16, ComputerName=32, ServerIP=64, Method=128,
    UriStem=256, UriQuery=512, HttpStatus=1024, Win32Status=2048, BytesSent=4096, BytesRecv=8192,
    TimeTaken=16384, ServerPort=32768, UserAgent=65536, Cookie=131072, Referer=262144,
    ProtocolVersion=524288, Host=1048576, HttpSubStatus=2097152,
)
DEFAULT_LOG_EXT_FILE_FLAGS = "Date, Time, ClientIP, UserName, ServerIP, Method, UriStem, UriQuery, " \
    "TimeTaken, HttpStatus, Win32Status, ServerPort, UserAgent, HttpSubStatus, Referer"
LOG_PERIOD = Enum(MaxSize=0, Daily=1, Weekly=2, Monthly=3, Hourly=4)
LOG_FORMAT = Enum(IIS=0, NCSA=1, W3C=2, Custom=3)


def _site_name(value: str) -> None:
    if not value or any(c in value for c in "/?"):
        raise ValueError(f"'{value}' is not a valid site name (it must not be empty or contain / or ?)")


def _application_path(value: str) -> None:
    # IIS's applicationPath validator: starts with '/', no trailing '/' except the root, no . or .. segments.
    if not value.startswith("/") or (len(value) > 1 and value.endswith("/")) or \
            any(seg in (".", "..") for seg in value.split("/")):
        raise ValueError(f"'{value}' is not a valid application path")


def _vdir_path(value: str) -> None:
    if not value.startswith("/") or any(seg in (".", "..") for seg in value.split("/")):
        raise ValueError(f"'{value}' is not a valid virtual directory path")


_LIMITS = (
    attr("maxBandwidth", UInt(0, 1023, exclude=True), 4294967295),
    attr("maxConnections", UINT, 4294967295),
    attr("connectionTimeout", TIMESPAN, timedelta(minutes=2)),
    attr("maxUrlSegments", UInt(0, 16383), 32),
)

_LOG_FILE = (
    attr("logFormat", LOG_FORMAT, "W3C"),
    attr("customLogPluginClsid", STRING),
    attr("directory", PATH, None),
    attr("period", LOG_PERIOD, "Daily"),
    attr("truncateSize", UInt(1048576, 4294967295), 20971520),
    attr("localTimeRollover", BOOL, False),
    attr("enabled", BOOL, True),
    attr("logExtFileFlags", LOG_EXT_FILE_FLAGS, LOG_EXT_FILE_FLAGS.parse(DEFAULT_LOG_EXT_FILE_FLAGS, None)),
    attr("logTargetW3C", Flags(File=1, ETW=2), frozenset({"File"})),
    attr("logSiteId", BOOL, True),
    attr("flushByEntryCountW3CLog", UINT, 0),
    attr("maxLogLineLength", UInt(2, 65536), 65536),
    element("customFields",
            attr("maxCustomFieldLength", UINT, 4096),
            collection("add",
                       attr("logFieldName", string(non_empty=True), required=True, key=True),
                       attr("sourceName", string(non_empty=True), required=True),
                       attr("sourceType", Enum(RequestHeader=0, ResponseHeader=1, ServerVariable=2),
                            "RequestHeader", required=True))),
)

_TRACE_FAILED = (
    attr("enabled", BOOL, False),
    attr("directory", PATH, None),
    attr("maxLogFiles", UInt(1, 10000), 50),
    attr("maxLogFileSizeKB", UINT, 1024),
    attr("customActionsEnabled", BOOL, False),
)

_HSTS = (
    attr("enabled", BOOL, False),
    attr("max-age", UINT, 0),
    attr("includeSubDomains", BOOL, False),
    attr("preload", BOOL, False),
    attr("redirectHttpToHttps", BOOL, False),
)

_APPLICATION_ATTRS = (
    attr("applicationPool", STRING),
    attr("enabledProtocols", STRING, "http"),
    attr("serviceAutoStartEnabled", BOOL, False),
    attr("serviceAutoStartProvider", STRING),
    attr("preloadEnabled", BOOL, False),
)

_VDIR_ATTRS = (
    attr("physicalPath", PATH, None),
    attr("userName", STRING),
    attr("password", STRING),
    attr("logonMethod", Enum(Interactive=0, Batch=1, Network=2, ClearText=3), "ClearText"),
    attr("allowSubDirConfig", BOOL, True),
)


class SitesSection(Section):
    """``system.applicationHost/sites``: every site with its bindings, applications and virtual directories,
    plus ``siteDefaults``/``applicationDefaults``/``virtualDirectoryDefaults`` that fill in what a site,
    application or virtual directory leaves unset."""

    path = "system.applicationHost/sites"
    override_mode_default = "Deny"
    allow_definition = "AppHostOnly"
    members = (
        element("siteDefaults",
                attr("serverAutoStart", BOOL, True),
                element("bindings"),
                element("limits", *_LIMITS),
                element("logFile", *_LOG_FILE),
                element("traceFailedRequestsLogging", *_TRACE_FAILED),
                element("hsts", *_HSTS),
                element("ftpServer", open=True)),
        element("applicationDefaults", *_APPLICATION_ATTRS),
        element("virtualDirectoryDefaults", *_VDIR_ATTRS[1:]),
        collection(
            "site",
            attr("name", string(_site_name), required=True, key=True),
            attr("id", UInt(1, 4294967295), required=True),
            attr("serverAutoStart", BOOL, True),
            element("bindings",
                    collection("binding",
                               attr("protocol", string(non_empty=True), required=True, key=True),
                               attr("bindingInformation", string(non_empty=True), required=True, key=True),
                               attr("sslFlags", UINT, 0))),
            element("limits", *_LIMITS),
            element("logFile", *_LOG_FILE),
            element("traceFailedRequestsLogging", *_TRACE_FAILED),
            element("hsts", *_HSTS),
            element("applicationDefaults", *_APPLICATION_ATTRS),
            element("virtualDirectoryDefaults", *_VDIR_ATTRS[1:]),
            element("ftpServer", open=True),
            collection(
                "application",
                attr("path", string(_application_path), required=True, key=True),
                *_APPLICATION_ATTRS,
                element("virtualDirectoryDefaults", *_VDIR_ATTRS[1:]),
                collection("virtualDirectory",
                           attr("path", string(_vdir_path), required=True, key=True),
                           *_VDIR_ATTRS),
            ),
        ),
    )


class LogSection(Section):
    """``system.applicationHost/log``: central (server-wide) logging mode and UTF-8 log encoding."""

    path = "system.applicationHost/log"
    override_mode_default = "Deny"
    allow_definition = "AppHostOnly"
    members = (
        attr("centralLogFileMode", Enum(Site=0, CentralBinary=1, CentralW3C=2), "Site"),
        attr("logInUTF8", BOOL, True),
        element("centralBinaryLogFile",
                attr("enabled", BOOL, False),
                attr("directory", PATH, None),
                attr("period", LOG_PERIOD, "Daily"),
                attr("truncateSize", UInt(1048576, 4294967295), 20971520),
                attr("localTimeRollover", BOOL, False)),
        element("centralW3CLogFile",
                attr("enabled", BOOL, True),
                attr("directory", PATH, None),
                attr("period", LOG_PERIOD, "Daily"),
                attr("truncateSize", UInt(1048576, 4294967295), 20971520),
                attr("localTimeRollover", BOOL, False),
                attr("logExtFileFlags", LOG_EXT_FILE_FLAGS,
                     LOG_EXT_FILE_FLAGS.parse(DEFAULT_LOG_EXT_FILE_FLAGS + ", SiteName", None))),
    )


def _pool_element(xml: str, *members: object) -> object:
    # Application-pool tuning grows with every IIS release; w3py models the common attributes and accepts
    # the rest so that real applicationHost.config files load.
    return element(xml, *members, open=True)


_POOL_ATTRS = (
    attr("queueLength", UInt(10, 65535), 1000),
    attr("autoStart", BOOL, True),
    attr("enable32BitAppOnWin64", BOOL, False),
    attr("managedRuntimeVersion", STRING),
    attr("managedRuntimeLoader", STRING, "webengine4.dll"),
    attr("enableConfigurationOverride", BOOL, True),
    attr("managedPipelineMode", Enum(Integrated=0, Classic=1), "Integrated"),
    attr("CLRConfigFile", STRING),
    attr("passAnonymousToken", BOOL, True),
    attr("startMode", Enum(OnDemand=0, AlwaysRunning=1), "OnDemand"),
    _pool_element("processModel",
            attr("identityType", Enum(LocalSystem=0, LocalService=1, NetworkService=2, SpecificUser=3,
                                      ApplicationPoolIdentity=4), "ApplicationPoolIdentity"),
            attr("userName", STRING), attr("password", STRING),
            attr("loadUserProfile", BOOL, False),
            attr("setProfileEnvironment", BOOL, True),
            attr("logonType", Enum(LogonBatch=0, LogonService=1), "LogonBatch"),
            attr("manualGroupMembership", BOOL, False),
            attr("idleTimeout", TIMESPAN, timedelta(minutes=20)),
            attr("idleTimeoutAction", Enum(Terminate=0, Suspend=1), "Terminate"),
            attr("maxProcesses", UINT, 1),
            attr("shutdownTimeLimit", TIMESPAN, timedelta(seconds=90)),
            attr("startupTimeLimit", TIMESPAN, timedelta(seconds=90)),
            attr("pingingEnabled", BOOL, True),
            attr("pingInterval", TIMESPAN, timedelta(seconds=30)),
            attr("pingResponseTime", TIMESPAN, timedelta(seconds=90)),
            attr("logEventOnProcessModel", Flags(IdleTimeout=1), frozenset({"IdleTimeout"}))),
    _pool_element("recycling",
            attr("disallowOverlappingRotation", BOOL, False),
            attr("disallowRotationOnConfigChange", BOOL, False),
            attr("logEventOnRecycle", Flags(Time=1, Requests=2, Schedule=4, Memory=8, IsapiUnhealthy=16,
                                            OnDemand=32, ConfigChange=64, PrivateMemory=128),
                 frozenset({"Time", "Requests", "Schedule", "Memory", "IsapiUnhealthy", "OnDemand",
                            "ConfigChange", "PrivateMemory"})),
            _pool_element("periodicRestart",
                    attr("memory", UINT, 0), attr("privateMemory", UINT, 0), attr("requests", UINT, 0),
                    attr("time", TIMESPAN, timedelta(hours=29)),
                    element("schedule", collection("add", attr("value", TIMESPAN, required=True, key=True))))),
    _pool_element("failure",
            attr("loadBalancerCapabilities", Enum(TcpLevel=1, HttpLevel=2), "HttpLevel"),
            attr("orphanWorkerProcess", BOOL, False),
            attr("orphanActionExe", STRING), attr("orphanActionParams", STRING),
            attr("rapidFailProtection", BOOL, True),
            attr("rapidFailProtectionInterval", TIMESPAN, timedelta(minutes=5)),
            attr("rapidFailProtectionMaxCrashes", UINT, 5),
            attr("autoShutdownExe", STRING), attr("autoShutdownParams", STRING)),
    _pool_element("cpu",
            attr("limit", UINT, 0),
            attr("action", Enum(NoAction=0, KillW3wp=1, Throttle=2, ThrottleUnderLoad=3), "NoAction"),
            attr("resetInterval", TIMESPAN, timedelta(minutes=5)),
            attr("smpAffinitized", BOOL, False),
            attr("smpProcessorAffinityMask", UINT, 4294967295),
            attr("smpProcessorAffinityMask2", UINT, 4294967295),
            attr("processorGroup", UINT, 0),
            attr("numaNodeAssignment", Enum(MostAvailableMemory=0, WindowsScheduling=1), "MostAvailableMemory"),
            attr("numaNodeAffinityMode", Enum(Soft=0, Hard=1), "Soft")),
    element("environmentVariables",
            collection("add", attr("name", string(non_empty=True), required=True, key=True),
                       attr("value", STRING))),
)


class ApplicationPoolsSection(Section):
    """``system.applicationHost/applicationPools``: pools and ``applicationPoolDefaults`` (reference §1.10).
    w3py reads them so real files load; the process model uses what it implements."""

    path = "system.applicationHost/applicationPools"
    override_mode_default = "Deny"
    allow_definition = "AppHostOnly"
    members = (
        element("applicationPoolDefaults", *_POOL_ATTRS, open=True),
        collection("add", attr("name", string(non_empty=True), required=True, key=True), *_POOL_ATTRS, open=True),
    )


class WebLimitsSection(Section):
    """``system.applicationHost/webLimits``: server-wide connection limits (reference §1.9)."""

    path = "system.applicationHost/webLimits"
    override_mode_default = "Deny"
    allow_definition = "AppHostOnly"
    members = (
        attr("connectionTimeout", TIMESPAN, timedelta(minutes=2)),
        attr("headerWaitTimeout", TIMESPAN, timedelta(0)),
        attr("dynamicIdleThreshold", UINT, 0),
        attr("dynamicRegistrationThreshold", UINT, 100),
        attr("minBytesPerSecond", UINT, 240),
        attr("maxGlobalBandwidth", UINT, 4294967295),
        attr("demandStartThreshold", UINT, 2147483647),
    )


__all__ = ["SitesSection", "LogSection", "ApplicationPoolsSection", "WebLimitsSection", "EXPANDED_STRING"]
