"""Every configuration section w3py implements, one class each (see ``w3py.config.schema``).

Import a section class from here: ``from w3py.config.sections import StaticContentSection``.
"""

from w3py.config.sections.apphost import (
    ApplicationPoolsSection, LogSection, SitesSection, WebLimitsSection,
)
from w3py.config.sections.extensions import CompatibilitySection, StaticFilesSection
from w3py.config.sections.security import (
    AccessSection, AnonymousAuthenticationSection, AuthorizationSection, BasicAuthenticationSection,
    DynamicIPSecuritySection, IPSecuritySection, IsapiCgiRestrictionSection, RequestFilteringSection,
    WindowsAuthenticationSection,
)
from w3py.config.sections.webserver import (
    CachingSection, CGISection, DefaultDocumentSection, DirectoryBrowseSection, FastCGISection,
    GlobalModulesSection, HandlersSection, HttpErrorsSection, HttpLoggingSection, HttpProtocolSection,
    HttpRedirectSection, ModulesSection, ServerRuntimeSection, StaticContentSection, URLCompressionSection,
    ValidationSection, WebSocketSection,
)

__all__ = [
    "ApplicationPoolsSection", "LogSection", "SitesSection", "WebLimitsSection", "RequestFilteringSection",
    "DefaultDocumentSection", "DirectoryBrowseSection", "GlobalModulesSection", "HandlersSection",
    "HttpErrorsSection", "HttpLoggingSection", "HttpProtocolSection", "HttpRedirectSection", "ModulesSection",
    "ServerRuntimeSection", "StaticContentSection", "AccessSection", "AnonymousAuthenticationSection",
    "AuthorizationSection", "BasicAuthenticationSection", "DynamicIPSecuritySection", "IPSecuritySection",
    "IsapiCgiRestrictionSection", "WindowsAuthenticationSection", "CachingSection", "CGISection",
    "FastCGISection", "URLCompressionSection", "ValidationSection", "WebSocketSection",
    "CompatibilitySection", "StaticFilesSection",
]
