"""Sections IIS or ASP.NET know but w3py does not implement (yet): they load and are ignored, and
``w3py config check`` lists them as "not implemented", so real-world web.config files keep working.

``IIS_DECLARED`` are declared in applicationHost.config's ``<configSections>`` (stock IIS 10 with the usual
features; delegation per reference §1.2). ``DOTNET_DECLARED`` are declared by the .NET Framework's
machine.config, which w3py does not have: they are accepted anywhere, as on a server with ASP.NET installed.
"""

from __future__ import annotations

# path -> (overrideModeDefault, allowDefinition)
IIS_DECLARED: dict[str, tuple[str, str]] = {
    "system.applicationHost/configHistory": ("Deny", "AppHostOnly"),
    "system.applicationHost/customMetadata": ("Deny", "AppHostOnly"),
    "system.applicationHost/listenerAdapters": ("Deny", "AppHostOnly"),
    "system.webServer/asp": ("Deny", "Everywhere"),
    "system.webServer/httpCompression": ("Allow", "Everywhere"),
    "system.webServer/httpTracing": ("Deny", "Everywhere"),
    "system.webServer/isapiFilters": ("Deny", "MachineToApplication"),
    "system.webServer/odbcLogging": ("Deny", "Everywhere"),
    "system.webServer/serverSideInclude": ("Deny", "Everywhere"),
    "system.webServer/applicationInitialization": ("Allow", "MachineToApplication"),
    "system.webServer/aspNetCore": ("Allow", "Everywhere"),
    "system.webServer/httpPlatform": ("Allow", "Everywhere"),
    "system.webServer/security/applicationDependencies": ("Deny", "Everywhere"),
    "system.webServer/security/authentication/clientCertificateMappingAuthentication": ("Deny", "Everywhere"),
    "system.webServer/security/authentication/digestAuthentication": ("Deny", "Everywhere"),
    "system.webServer/security/authentication/iisClientCertificateMappingAuthentication": ("Deny", "Everywhere"),
    "system.webServer/tracing/traceFailedRequests": ("Allow", "Everywhere"),
    "system.webServer/tracing/traceProviderDefinitions": ("Deny", "Everywhere"),
    "system.webServer/webdav/globalSettings": ("Deny", "AppHostOnly"),
    "system.webServer/webdav/authoring": ("Deny", "Everywhere"),
    "system.webServer/webdav/authoringRules": ("Deny", "Everywhere"),
    "system.webServer/rewrite/globalRules": ("Deny", "AppHostOnly"),
    "system.webServer/rewrite/rules": ("Allow", "Everywhere"),
    "system.webServer/rewrite/outboundRules": ("Allow", "Everywhere"),
    "system.webServer/rewrite/providers": ("Allow", "Everywhere"),
    "system.webServer/rewrite/rewriteMaps": ("Allow", "Everywhere"),
    "system.webServer/rewrite/allowedServerVariables": ("Deny", "Everywhere"),
    "system.webServer/proxy": ("Deny", "AppHostOnly"),
    "system.webServer/management/delegation": ("Deny", "AppHostOnly"),
    "system.ftpServer/caching": ("Deny", "AppHostOnly"),
    "system.ftpServer/firewallSupport": ("Deny", "AppHostOnly"),
    "system.ftpServer/log": ("Deny", "AppHostOnly"),
    "system.ftpServer/providerDefinitions": ("Deny", "AppHostOnly"),
    "system.ftpServer/security/ipSecurity": ("Deny", "Everywhere"),
    "system.ftpServer/security/requestFiltering": ("Deny", "Everywhere"),
    "system.ftpServer/security/authorization": ("Deny", "Everywhere"),
    "system.ftpServer/security/authentication": ("Deny", "AppHostOnly"),
    "system.ftpServer/serverRuntime": ("Deny", "AppHostOnly"),
    "webFarms": ("Deny", "AppHostOnly"),
}

# Top-level sections and groups .NET's machine.config declares (accepted anywhere, never interpreted).
DOTNET_DECLARED: tuple[str, ...] = (
    "appSettings", "connectionStrings", "configProtectedData", "system.web", "system.web.extensions",
    "system.codedom", "system.data", "system.diagnostics", "system.net", "system.serviceModel",
    "system.serviceModel.activation", "system.runtime.serialization", "system.runtime.remoting",
    "system.transactions", "system.xml.serialization", "system.identityModel", "system.identityModel.services",
    "system.webServer.extensions", "runtime", "startup", "mscorlib", "uri", "satelliteassemblies",
    "windows", "assemblyBinding", "system.windows.forms", "system.data.dataset", "system.data.odbc",
    "system.data.oledb", "system.data.oracleclient", "system.data.sqlclient", "system.drawing",
    "system.serviceModel.metadataResolution", "microsoft.web.services3", "applicationSettings",
    "userSettings", "system.xaml.hosting", "system.webServer.handlers",
)
