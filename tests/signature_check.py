"""Standard Webhooks verification as a receiver would write it, independent of the
hub's own helper (a check of the wire format, not of the code against itself)."""

import base64
import hashlib
import hmac


def verify_standard_webhook(secret, headers, body):
    headers = {k.lower(): v for k, v in headers.items()}
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        sig.split(",", 1)[1] == expected
        for sig in headers["webhook-signature"].split()
        if sig.startswith("v1,")
    )
