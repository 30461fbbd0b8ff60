"""RequestFilteringModule (IIS's ``modRqFlt.dll``): ``system.webServer/security/requestFiltering``.

``rules.py`` compiles the section into a ``RuleSet`` and holds the one ordered table of checks
(``CHECK_ORDER``); ``url.py`` decodes the URL the way HTTP.sys hands it to IIS. The module that runs the
rule set at BeginRequest lives beside them.
"""

from .rules import CHECK_ORDER, DEFAULT_MAX_URL_SEGMENTS, Denial, RuleSet, compile_rules

__all__ = ["CHECK_ORDER", "DEFAULT_MAX_URL_SEGMENTS", "Denial", "RuleSet", "compile_rules"]
