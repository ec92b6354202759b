"""What PostgreSQL's text columns can hold.

A text value cannot contain NUL, and psycopg2 cannot encode an unpaired UTF-16
surrogate (JSON's ``"\\ud800"`` decodes to one) as UTF-8: either fails the whole
transaction. Input is refused before it gets that far (``unstorable``); texts the hub
writes itself, such as a processor's error, are made storable (``storable``).
"""

import codecs
import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(value):
    """The first character of ``value`` (a str) PostgreSQL text cannot hold, or
    None."""
    found = _UNSTORABLE.search(value)
    return found.group() if found else None


def storable(value):
    """``value`` with NUL and unpaired surrogates written as visible escapes."""
    if not isinstance(value, str) or not _UNSTORABLE.search(value):
        return value
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def json_problem(document, max_depth):
    """Why a decoded JSON document cannot be stored or validated, or None: nested
    deeper than ``max_depth`` (validators and encoders recurse), or a string (key or
    value) holding a character PostgreSQL text cannot hold. Iterative, so a deep
    document cannot exhaust the stack here."""
    stack = [(document, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            bad = unstorable(value)
            if bad:
                return (
                    f"{path or '/'} holds U+{ord(bad):04X}, which cannot be stored "
                    f"(NUL or an unpaired surrogate)."
                )
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > max_depth:
            return f"{path or '/'} is nested deeper than {max_depth} levels."
        if isinstance(value, dict):
            for key, item in value.items():
                bad = unstorable(key)
                if bad:
                    return (
                        f"A key in {path or '/'} holds U+{ord(bad):04X}, which cannot "
                        f"be stored (NUL or an unpaired surrogate)."
                    )
                stack.append((item, depth + 1, f"{path}/{storable(key)}"))
        else:
            stack.extend(
                (item, depth + 1, f"{path}/{index}") for index, item in enumerate(value)
            )
    return None


_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']"""
)


def _declared_encoding(head):
    found = _XML_ENCODING.match(head)
    if not found:
        return None
    try:
        return codecs.lookup(found.group(1).decode("ascii")).name
    except LookupError:
        return None


def decode_xml(raw):
    """An XML document's bytes as text to store: UTF-8, or the encoding its
    declaration names. ValueError if neither reads it."""
    encoding = _declared_encoding(raw[:200]) or "utf-8"
    return raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)


def encode_xml(text):
    """The bytes ``decode_xml`` read ``text`` from, for parsing it again: its
    declaration names the encoding the parser will expect."""
    encoding = _declared_encoding(text[:200].encode("ascii", "replace"))
    return text.encode(encoding or "utf-8")
