"""``system.webServer/security/requestFiltering`` (reference §1.3): every attribute and collection that
RequestFilteringModule reads. Delegated (``Allow``) in stock IIS."""

from __future__ import annotations

from w3py.config.schema import BOOL, STRING, UINT, Section, attr, collection, element, string


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
