"""The hub's error vocabulary: one stable code per problem, as RFC 9457 documents.

API clients switch on ``code``; people read ``title`` and ``detail``.
"""

PROBLEM_BASE = "https://construction-hub.dev/problems/"

# code: (HTTP status, title)
PROBLEMS = {
    "malformed_json": (400, "The body is not valid JSON"),
    "idempotency_key_required": (400, "An idempotency key is required"),
    "invalid_request": (400, "The request is not in the expected shape"),
    "unauthenticated": (401, "A valid API key is required"),
    "invalid_signature": (401, "The webhook signature does not verify"),
    "signature_timestamp_out_of_tolerance": (
        401,
        "The webhook timestamp is too far from the server's clock",
    ),
    "not_a_system_user": (403, "The API key does not belong to an integration system"),
    "flow_not_enabled": (403, "The flow is not enabled for this system"),
    "forbidden": (403, "Not allowed"),
    "unknown_flow": (404, "No such flow"),
    "unknown_system": (404, "No such system"),
    "message_not_found": (404, "No such message"),
    "unknown_flow_version": (404, "No such live version of the flow"),
    "not_found": (404, "No such record or route"),
    "method_not_allowed": (405, "The route does not take this method"),
    "idempotency_key_reused": (
        409,
        "The idempotency key was already used with a different payload",
    ),
    "message_already_done": (409, "The message was already processed"),
    "flow_version_retired": (410, "The flow version is retired; use its successor"),
    "payload_too_large": (413, "The body is larger than allowed"),
    "unsupported_media_type": (415, "The flow does not take this content type"),
    "batch_too_large": (413, "The batch has more items than allowed"),
    "schema_validation_failed": (422, "The payload does not match the flow's schema"),
    # the flow's parser refused the document; ``parser_code`` says why, in its words
    "document_not_parsable": (422, "The document cannot be read by the flow's parser"),
    "rate_limited": (429, "Too many messages for this system"),
    "internal_error": (500, "The hub could not handle the request"),
    "database_unavailable": (503, "The database is unreachable; retry later"),
}


def problem(code, detail=None, **extra):
    """The RFC 9457 body for ``code`` (plus extension members)."""
    status, title = PROBLEMS[code]
    body = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


class IntegrationError(Exception):
    """A business problem found while processing a message.

    ``retryable`` says whether trying again later may succeed (a reference that has not
    arrived yet) or not (a write to a field another system owns).
    """

    def __init__(self, message, code="processing_error", retryable=True):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class IntegrationParseError(Exception):
    """A flow's parser cannot read a document (an XML body): the message is kept
    as rejected with ``code`` (the parser's own, stable) and can be replayed."""

    def __init__(self, message, code="malformed"):
        super().__init__(message)
        self.code = code


class IntegrationDeferred(Exception):
    """Processing must wait: a frozen period or a lock date covers the message."""

    def __init__(self, message, code="period_frozen"):
        super().__init__(message)
        self.code = code
