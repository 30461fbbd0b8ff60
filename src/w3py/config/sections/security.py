"""``system.webServer/security/*``: requestFiltering (reference §1.3: every attribute and collection that
RequestFilteringModule reads; delegated in stock IIS), the authentication sections, authorization,
ipSecurity/dynamicIpSecurity (§1.4), access and isapiCgiRestriction (§1.11). Delegation per §1.2."""

from __future__ import annotations

from w3py.config.schema import (
    BOOL, EXPANDED_STRING, STRING, UINT, Enum, Flags, Section, UInt, attr, collection, element, string,
)


class RequestFilteringSection(Section):
    """``requestFiltering``: URL/verb/extension/segment/sequence/size rules that refuse requests with 404.x."""

    path = "system.webServer/security/requestFiltering"
    override_mode_default = "Allow"
    members = (
        attr("allowDoubleEscaping", BOOL, False),
        attr("allowHighBitCharacters", BOOL, True),
        attr("unescapeQueryString", BOOL, True),
        attr("removeServerHeader", BOOL, False),
        element("fileExtensions",
                attr("allowUnlisted", BOOL, True),
                attr("applyToWebDAV", BOOL, True),
                collection("add", attr("fileExtension", STRING, required=True, key=True),
                           attr("allowed", BOOL, True, required=True))),
        element("requestLimits",
                attr("maxAllowedContentLength", UINT, 30000000),
                attr("maxUrl", UINT, 4096),
                attr("maxQueryString", UINT, 2048),
                element("headerLimits",
                        collection("add", attr("header", string(non_empty=True), required=True, key=True),
                                   attr("sizeLimit", UINT, 0, required=True)))),
        element("verbs",
                attr("allowUnlisted", BOOL, True),
                attr("applyToWebDAV", BOOL, True),
                # Verbs are matched case-sensitively (reference §1.3: lower-case "get" is not "GET").
                collection("add", attr("verb", string(non_empty=True), required=True, key=True,
                                       case_sensitive=True),
                           attr("allowed", BOOL, True, required=True))),
        element("hiddenSegments",
                attr("applyToWebDAV", BOOL, True),
                collection("add", attr("segment", string(non_empty=True), required=True, key=True))),
        element("denyUrlSequences",
                collection("add", attr("sequence", string(non_empty=True), required=True, key=True))),
        element("denyQueryStringSequences",
                collection("add", attr("sequence", string(non_empty=True), required=True, key=True))),
        element("alwaysAllowedUrls",
                collection("add", attr("url", string(non_empty=True), required=True, key=True))),
        element("alwaysAllowedQueryStrings",
                collection("add", attr("queryString", string(non_empty=True), required=True, key=True))),
        element("filteringRules",
                collection("filteringRule",
                           attr("name", string(non_empty=True), required=True, key=True),
                           attr("scanUrl", BOOL, False),
                           attr("scanQueryString", BOOL, False),
                           attr("scanAllRaw", BOOL, False),
                           attr("denyUnescapedPercent", BOOL, True),
                           element("scanHeaders",
                                   collection("add", attr("requestHeader", string(non_empty=True),
                                                          required=True, key=True))),
                           element("appliesTo",
                                   collection("add", attr("fileExtension", string(non_empty=True),
                                                          required=True, key=True))),
                           element("denyStrings",
                                   collection("add", attr("string", string(non_empty=True),
                                                          required=True, key=True))))),
    )


__all__ = ["RequestFilteringSection"]


LOGON_METHOD = Enum(Interactive=0, Batch=1, Network=2, ClearText=3)


class AnonymousAuthenticationSection(Section):
    """``security/authentication/anonymousAuthentication``: whether requests may run as the anonymous user
    (enabled by default; locked at server level in stock IIS, reference §1.2, §1.11)."""

    path = "system.webServer/security/authentication/anonymousAuthentication"
    override_mode_default = "Deny"
    members = (
        attr("enabled", BOOL, True),
        attr("userName", STRING, "IUSR"),
        attr("password", STRING),
        attr("logonMethod", LOGON_METHOD, "ClearText"),
    )


class BasicAuthenticationSection(Section):
    """``security/authentication/basicAuthentication``: HTTP Basic (off by default)."""

    path = "system.webServer/security/authentication/basicAuthentication"
    override_mode_default = "Deny"
    members = (
        attr("enabled", BOOL, False),
        attr("realm", STRING),
        attr("defaultLogonDomain", STRING),
        attr("logonMethod", LOGON_METHOD, "ClearText"),
    )


class WindowsAuthenticationSection(Section):
    """``security/authentication/windowsAuthentication``: Negotiate/NTLM (off by default). Read so that
    real files load and an enabled setting can be reported; w3py has no Windows accounts."""

    path = "system.webServer/security/authentication/windowsAuthentication"
    override_mode_default = "Deny"
    members = (
        attr("enabled", BOOL, False),
        attr("authPersistNonNTLM", BOOL, False),
        attr("authPersistSingleRequest", BOOL, False),
        attr("useKernelMode", BOOL, True),
        attr("useAppPoolCredentials", BOOL, False),
        element("providers", collection("add", attr("value", string(non_empty=True), required=True, key=True))),
        element("extendedProtection", open=True),
    )


class AuthorizationSection(Section):
    """``security/authorization``: URL authorization rules (stock: allow everyone). The key is the combination
    users, roles, verbs, so a second rule for the same trio is a duplicate (0x800700b7)."""

    path = "system.webServer/security/authorization"
    members = (
        attr("bypassLoginPages", BOOL, True),
        collection("add",
                   attr("accessType", Enum(Allow=0, Deny=1), "Allow", required=True),
                   attr("users", STRING, key=True),
                   attr("roles", STRING, key=True),
                   attr("verbs", STRING, key=True)),
    )


class IPSecuritySection(Section):
    """``security/ipSecurity``: allow/deny by client address or domain (reference §1.4)."""

    path = "system.webServer/security/ipSecurity"
    override_mode_default = "Deny"
    members = (
        attr("allowUnlisted", BOOL, True),
        attr("enableReverseDns", BOOL, False),
        attr("enableProxyMode", BOOL, False),
        attr("denyAction", Enum(AbortRequest=0, Unauthorized=401, Forbidden=403, NotFound=404), "Forbidden"),
        collection("add",
                   attr("ipAddress", STRING, key=True),
                   attr("subnetMask", STRING, "255.255.255.255", key=True),
                   attr("domainName", STRING, key=True),
                   attr("allowed", BOOL, False)),
    )


class DynamicIPSecuritySection(Section):
    """``security/dynamicIpSecurity``: deny clients by concurrency or request rate (reference §1.4)."""

    path = "system.webServer/security/dynamicIpSecurity"
    override_mode_default = "Deny"
    members = (
        attr("denyAction", Enum(AbortRequest=0, Unauthorized=401, Forbidden=403, NotFound=404), "Forbidden"),
        attr("enableProxyMode", BOOL, False),
        attr("enableLoggingOnlyMode", BOOL, False),
        element("denyByConcurrentRequests",
                attr("enabled", BOOL, False),
                attr("maxConcurrentRequests", UInt(1, 4294967295), 5)),
        element("denyByRequestRate",
                attr("enabled", BOOL, False),
                attr("maxRequests", UInt(1, 4294967295), 20),
                attr("requestIntervalInMilliseconds", UInt(1, 4294967295), 200)),
    )


class AccessSection(Section):
    """``security/access``: SSL requirements (``sslFlags``)."""

    path = "system.webServer/security/access"
    override_mode_default = "Deny"
    members = (
        attr("sslFlags", Flags(**{"None": 0, "Ssl": 8, "SslNegotiateCert": 32, "SslRequireCert": 64,
                                  "SslMapCert": 128, "Ssl128": 256}), frozenset()),
    )


class IsapiCgiRestrictionSection(Section):
    """``security/isapiCgiRestriction``: which CGI executables and ISAPI DLLs may run (404.2 otherwise)."""

    path = "system.webServer/security/isapiCgiRestriction"
    override_mode_default = "Deny"
    allow_definition = "AppHostOnly"
    members = (
        attr("notListedIsapisAllowed", BOOL, False),
        attr("notListedCgisAllowed", BOOL, False),
        collection("add",
                   attr("path", EXPANDED_STRING, required=True, key=True),
                   attr("allowed", BOOL, False),
                   attr("groupId", STRING),
                   attr("description", STRING)),
    )


__all__ += [
    "AnonymousAuthenticationSection", "BasicAuthenticationSection", "WindowsAuthenticationSection",
    "AuthorizationSection", "IPSecuritySection", "DynamicIPSecuritySection", "AccessSection",
    "IsapiCgiRestrictionSection",
]
