"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

The signed content is ``{id}.{timestamp}.{body}``; the signature header holds one or
more space-separated ``v1,<base64 HMAC-SHA256>`` values (several during a secret
rotation). Secrets look like ``whsec_<base64>``.
"""

import base64
import hashlib
import hmac
import os
import time

SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE = 300  # seconds, as the Standard Webhooks reference libraries


class SignatureError(Exception):
    def __init__(self, message, code="invalid_signature"):
        super().__init__(message)
        self.code = code


def generate_secret():
    return SECRET_PREFIX + base64.b64encode(os.urandom(24)).decode()


def _key(secret):
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret[len(SECRET_PREFIX) :])
    return secret.encode()


def sign(secret, msg_id, timestamp, body):
    """The ``webhook-signature`` header value for ``body`` (bytes or str)."""
    if isinstance(body, str):
        body = body.encode()
    content = f"{msg_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret, msg_id, timestamp, signature_header, body, now=None, tolerance=None):
    """Raise SignatureError unless one signature in the header matches and the
    timestamp is within ``tolerance`` seconds of ``now``."""
    if not (msg_id and timestamp and signature_header):
        raise SignatureError(
            "webhook-id, webhook-timestamp and webhook-signature headers are required"
        )
    try:
        ts = int(timestamp)
    except (TypeError, ValueError) as exc:
        raise SignatureError("webhook-timestamp must be Unix seconds") from exc
    now = time.time() if now is None else now
    tolerance = DEFAULT_TOLERANCE if tolerance is None else tolerance
    if abs(now - ts) > tolerance:
        raise SignatureError(
            f"webhook-timestamp is {int(now - ts)} s from the server's clock; "
            f"at most {tolerance} s is accepted",
            code="signature_timestamp_out_of_tolerance",
        )
    expected = sign(secret, msg_id, ts, body).split(",", 1)[1]
    for candidate in signature_header.split():
        version, _sep, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    raise SignatureError("no v1 signature in webhook-signature matches the body")
