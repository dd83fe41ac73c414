"""`$util`: the helper functions API Gateway gives templates.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#util-template-reference
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from sagegate.gateway.vtl.values import VtlObject, from_json, to_text

# Apache Commons Lang's escapes below 0x80: every control character as \u00XX, except those
# with a short escape; quotes, backslash and '/'.
_JS_ESCAPES: dict[int, str] = {code: f"\\u{code:04X}" for code in range(0x20)} | {
    ord('"'): '\\"',
    ord("'"): "\\'",
    ord("\\"): "\\\\",
    ord("/"): "\\/",
    ord("\b"): "\\b",
    ord("\n"): "\\n",
    ord("\t"): "\\t",
    ord("\f"): "\\f",
    ord("\r"): "\\r",
}
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_BROKEN_ESCAPE = re.compile(r"%(?![0-9a-fA-F]{2})")


def _utf16_escapes(match: re.Match[str]) -> str:
    units = match.group().encode("utf-16-be")
    return "".join(f"\\u{units[i : i + 2].hex().upper()}" for i in range(0, len(units), 2))


def escape_javascript(value: Any) -> Any:
    """`$util.escapeJavaScript`: Apache Commons Lang `StringEscapeUtils.escapeJavaScript`.

    Quotes (single too, as `\\'`), backslash and `/` are escaped; other control characters
    and every non-ASCII UTF-16 code unit become `\\uXXXX` (upper-case hex).
    """
    if value is None:
        return None
    return _NON_ASCII.sub(_utf16_escapes, to_text(value).translate(_JS_ESCAPES))


def url_encode(value: Any) -> str:
    """`$util.urlEncode`: Java `URLEncoder.encode(s, "UTF-8")` ('+' for space; null -> '')."""
    if value is None:
        return ""
    # URLEncoder keeps only [A-Za-z0-9.*_-]; Python also keeps '~', which Java encodes.
    return quote_plus(to_text(value), safe="*").replace("~", "%7E")


def url_decode(value: Any) -> str:
    """`$util.urlDecode`: Java `URLDecoder.decode(s, "UTF-8")`."""
    if value is None:
        return ""
    text = to_text(value)
    if _BROKEN_ESCAPE.search(text):
        raise ValueError(f"URLDecoder: Illegal hex characters in escape (%) pattern: {text}")
    return unquote_plus(text, errors="replace")


def base64_encode(value: Any) -> str:
    """`$util.base64Encode`: the UTF-8 bytes of the string, base64 encoded."""
    return base64.b64encode(to_text(value).encode("utf-8")).decode("ascii")


def base64_decode(value: Any) -> str:
    """`$util.base64Decode`: base64 decoded, read as UTF-8."""
    try:
        raw = base64.b64decode(to_text(value), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"base64Decode: {exc}") from exc
    return raw.decode("utf-8", errors="replace")


def parse_json(value: Any) -> Any:
    """`$util.parseJson`: a JSON string as an object (maps, JSON arrays, scalars)."""
    return from_json(to_text(value))


class UtilVariable(VtlObject):
    """`$util` (stateless: one instance serves every render)."""

    __slots__ = ()
    vtl_members = frozenset(
        {"escapeJavaScript", "parseJson", "urlEncode", "urlDecode", "base64Encode", "base64Decode"}
    )

    escapeJavaScript = staticmethod(escape_javascript)
    parseJson = staticmethod(parse_json)
    urlEncode = staticmethod(url_encode)
    urlDecode = staticmethod(url_decode)
    base64Encode = staticmethod(base64_encode)
    base64Decode = staticmethod(base64_decode)


UTIL = UtilVariable()
