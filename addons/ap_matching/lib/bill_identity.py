"""What makes two vendor bills the same document: pure helpers, no ORM."""

import hashlib
import re

# runs of letters or digits: everything between them (spaces, dashes, slashes,
# dots) is how a number is typed, not what it is
_TOKENS = re.compile(r"[A-Z]+|[0-9]+")


def normalise_reference(reference):
    """A vendor's invoice number as compared for duplicates: case, spaces,
    punctuation and the leading zeros of each run of digits do not count
    ("INV-000123", "inv 123" and "Inv/123" are one number). None when nothing
    is left to compare."""
    if not reference:
        return None
    tokens = _TOKENS.findall(reference.upper())
    key = "".join(
        token.lstrip("0") or "0" if token.isdigit() else token for token in tokens
    )
    return key or None


def document_hash(content):
    """SHA-256 of an original document's bytes, as hex."""
    return hashlib.sha256(content).hexdigest()
