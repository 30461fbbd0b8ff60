"""Every configuration section w3py implements, one class each (see ``w3py.config.schema``).

Import a section class from here: ``from w3py.config.sections import StaticContentSection``.
"""

from w3py.config.sections.apphost import (
    ApplicationPoolsSection, LogSection, SitesSection, WebLimitsSection,
)
from w3py.config.sections.security import RequestFilteringSection
from w3py.config.sections.webserver import (
    DefaultDocumentSection, DirectoryBrowseSection, GlobalModulesSection, HandlersSection, HttpErrorsSection,
    HttpLoggingSection, HttpProtocolSection, HttpRedirectSection, ModulesSection, ServerRuntimeSection,
    StaticContentSection,
)

__all__ = [
    "ApplicationPoolsSection", "LogSection", "SitesSection", "WebLimitsSection", "RequestFilteringSection",
    "DefaultDocumentSection", "DirectoryBrowseSection", "GlobalModulesSection", "HandlersSection",
    "HttpErrorsSection", "HttpLoggingSection", "HttpProtocolSection", "HttpRedirectSection", "ModulesSection",
    "ServerRuntimeSection", "StaticContentSection",
]
