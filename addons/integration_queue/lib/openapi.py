"""The hub's OpenAPI 3.1 document, generated from the flows (never written by hand)."""

import re

from .errors import PROBLEMS

ERROR_STATUSES = sorted({status for status, _title in PROBLEMS.values()})
# what any route of the hub may answer, whatever it does: an unexpected error, or the
# database unreachable (with Retry-After)
COMMON_STATUSES = (500, 503)
MAX_ID = 2**31 - 1  # PostgreSQL integer: a larger id names no record


# one envelope of a dry run; a batch lists these under ``items``
DRY_RUN_ITEM = {
    "type": "object",
    "description": "What the pipeline would have done with one envelope.",
    "required": ["outcome"],
    "properties": {
        "index": {"type": "integer"},
        "idempotency_key": {"type": ["string", "null"]},
        "flow": {"type": "string"},
        "version": {"type": "integer"},
        "outcome": {"type": "string"},
        "status": {"type": "integer"},
        "records": {"type": "array", "items": {"type": "object"}},
        "exceptions": {"type": "array", "items": {"type": "object"}},
        "webhooks": {"type": "array", "items": {"type": "object"}},
        "notes": {"type": "array", "items": {"type": "string"}},
        "error": {"type": ["object", "null"]},
        "validation_errors": {"type": "array", "items": {"type": "object"}},
    },
}


def _component_name(flow_code):
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", flow_code))


def _problem_responses(statuses):
    return {
        str(status): {"$ref": f"#/components/responses/Problem{status}"}
        for status in statuses
    }


def build_openapi(flows, api_version, server_url):
    """``flows``: dicts with code, name, description, mode and json_schema (a dict)."""
    schemas = {
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details; switch on `code`.",
            "required": ["type", "title", "status", "code"],
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "code": {"type": "string", "enum": sorted(PROBLEMS)},
                "detail": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object"}},
                "message_id": {"type": "integer"},
                "parser_code": {
                    "type": "string",
                    "description": "With document_not_parsable: the flow parser's "
                    "own code for what it could not read.",
                },
                "allowed_methods": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Accepted": {
            "type": "object",
            "required": ["message_id", "state"],
            "properties": {
                "message_id": {"type": "integer"},
                "state": {"type": "string"},
                "idempotency_key": {"type": "string"},
                "replayed": {"type": "boolean"},
                "status": {"type": "integer"},
            },
        },
        "DryRun": {
            "type": "object",
            "description": "What the pipeline would have done with one payload; "
            "nothing was stored.",
            "required": ["dry_run", "outcome"],
            "properties": {
                "dry_run": {"type": "boolean", "enum": [True]},
                **DRY_RUN_ITEM["properties"],
            },
        },
        "DryRunItem": DRY_RUN_ITEM,
        "DryRunBatch": {
            "type": "object",
            "required": ["dry_run", "items"],
            "properties": {
                "dry_run": {"type": "boolean", "enum": [True]},
                "items": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/DryRunItem"},
                },
            },
        },
        "BatchItem": {
            "type": "object",
            "description": "The answer to one envelope: its status as a single "
            "message would have it, and its problem if refused.",
            "required": ["idempotency_key", "message_id", "status"],
            "properties": {
                "idempotency_key": {"type": "string"},
                "message_id": {"type": "integer"},
                "state": {"type": "string"},
                "status": {"type": "integer"},
                "replayed": {"type": "boolean"},
                "problem": {"$ref": "#/components/schemas/Problem"},
            },
        },
        "BatchAccepted": {
            "type": "object",
            "description": "One result per envelope, in order. 202 when at least one "
            "was accepted; otherwise 422 (a schema violation) or 409.",
            "required": ["errors", "items"],
            "properties": {
                "errors": {"type": "boolean"},
                "items": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/BatchItem"},
                },
            },
        },
        "Message": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "flow": {"type": "string"},
                "system": {"type": "string"},
                "idempotency_key": {"type": "string"},
                "state": {
                    "type": "string",
                    "enum": [
                        "received",
                        "rejected",
                        "queued",
                        "done",
                        "failed",
                        "dead",
                        "deferred",
                    ],
                },
                "content_type": {"type": "string"},
                "attempts": {"type": "integer"},
                "received_at": {"type": "string", "format": "date-time"},
                "event_time": {"type": ["string", "null"], "format": "date-time"},
                "processed_at": {"type": ["string", "null"], "format": "date-time"},
                "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
                "error": {
                    "type": ["object", "null"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": ["string", "null"]},
                    },
                },
                "validation_errors": {"type": "array", "items": {"type": "object"}},
                "records": {"type": "array", "items": {"type": "object"}},
                "exceptions": {"type": "array", "items": {"type": "object"}},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status", "odoo_version", "api_version", "database", "queue"],
            "properties": {
                "status": {"type": "string"},
                "odoo_version": {"type": "string"},
                "api_version": {"type": "string"},
                "suite": {"type": "object"},
                "database": {"type": "object"},
                "queue": {"type": "object"},
            },
        },
    }
    paths = {}
    for flow in sorted(flows, key=lambda f: (f["code"], f.get("version") or 0)):
        version = flow.get("version")
        suffix = f"V{version}" if version else ""
        name = _component_name(flow["code"]) + suffix + "Payload"
        schema = dict(flow.get("json_schema") or {"type": "object"})
        schema.pop("$id", None)
        schemas[name] = schema
        envelope = {
            "type": "object",
            "required": ["idempotency_key", "payload"],
            "properties": {
                "idempotency_key": {"type": "string", "maxLength": 255},
                "event_time": {"type": ["string", "null"], "format": "date-time"},
                "payload": {"$ref": f"#/components/schemas/{name}"},
            },
        }
        content = {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": f"#/components/schemas/{name}"},
                        {
                            "type": "array",
                            "maxItems": 1000,
                            "items": envelope,
                        },
                    ]
                }
            }
        }
        description = (
            "\n\nOne message (the payload itself, with an `Idempotency-Key` header) "
            "or a batch (a JSON array of envelopes, at most 1,000)."
        )
        if flow.get("accepts_xml"):
            xml = {
                "schema": {
                    "type": "string",
                    "description": "One XML document (with an `Idempotency-Key` "
                    "header), kept as received; the flow's parser reads it into "
                    f"the payload `{name}` validates.",
                }
            }
            content.update({"application/xml": xml, "text/xml": xml})
            description += (
                " Or one XML document (application/xml or text/xml): stored as "
                "received, read by the flow's parser into the payload; a document "
                "it cannot read is kept as rejected (422 document_not_parsable)."
            )
        if flow.get("accepts_multipart"):
            content["multipart/form-data"] = {
                "schema": {
                    "type": "object",
                    "required": ["metadata"],
                    "properties": {
                        "metadata": {
                            "type": "string",
                            "contentMediaType": "application/json",
                            "description": f"The payload `{name}` validates, "
                            "without its file members.",
                        }
                    },
                    "additionalProperties": {
                        "type": "string",
                        "contentMediaType": "application/octet-stream",
                        "description": "A file part: it becomes the payload's "
                        "member named as the part, {filename, mimetype, "
                        "content_base64, sha256}.",
                    },
                },
                "encoding": {"metadata": {"contentType": "application/json"}},
            }
            description += (
                " Or a file upload (multipart/form-data, with an `Idempotency-Key` "
                "header): a JSON part `metadata` and file parts, each stored in the "
                "payload as base64 under the part's name with its SHA-256; the same "
                "upload again is the same message."
            )
        if version:
            description += (
                f" Version {version} of the flow's contract, chosen by path (or the "
                "`X-Flow-Version` header on the unversioned path)."
            )
        if flow.get("deprecated"):
            description += (
                " Deprecated: answered with `Deprecation` and `Sunset` headers"
                + (f" until {flow['sunset']:%Y-%m-%d}" if flow.get("sunset") else "")
                + "; then retired (410)."
            )
        path = f"/flows/{flow['code']}" + (f"/v{version}" if version else "")
        paths[path] = {
            "post": {
                "operationId": "post_"
                + re.sub(r"\W", "_", flow["code"])
                + (f"_v{version}" if version else ""),
                "summary": flow.get("name") or flow["code"],
                "deprecated": bool(flow.get("deprecated")),
                "description": (flow.get("description") or "") + description,
                "tags": ["flows"],
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 255},
                        "description": "Required for a single message.",
                    },
                    {
                        "name": "X-Event-Time",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "format": "date-time"},
                    },
                    {
                        "name": "dry_run",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "boolean"},
                        "description": "Run the whole pipeline in a transaction "
                        "rolled back and answer 200 with what would have happened; "
                        "nothing is stored.",
                    },
                    *(
                        []
                        if version
                        else [
                            {
                                "name": "X-Flow-Version",
                                "in": "header",
                                "required": False,
                                "schema": {"type": "string", "pattern": "^v?[0-9]+$"},
                                "description": "The contract version; the flow's "
                                "default without it.",
                            }
                        ]
                    ),
                ],
                "requestBody": {"required": True, "content": content},
                "responses": {
                    "200": {
                        "description": "Same idempotency key and payload: "
                        "the original answer; or, with dry_run, what would have "
                        "happened (nothing stored).",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "anyOf": [
                                        {"$ref": "#/components/schemas/Accepted"},
                                        {"$ref": "#/components/schemas/DryRun"},
                                        {"$ref": "#/components/schemas/DryRunBatch"},
                                    ]
                                }
                            }
                        },
                    },
                    "202": {
                        "description": "Stored and queued (a batch answers per item).",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Accepted"},
                                        {"$ref": "#/components/schemas/BatchAccepted"},
                                    ]
                                }
                            }
                        },
                    },
                    **_problem_responses(ERROR_STATUSES),
                    **{str(status): _problem_or_batch() for status in (409, 422)},
                },
            }
        }
    paths["/messages/{message_id}"] = {
        "get": {
            "operationId": "get_message",
            "summary": "State, attempts, errors and the Odoo records a message "
            "produced",
            "tags": ["messages"],
            "parameters": [_id_param()],
            "responses": {
                "200": {
                    "description": "The message",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Message"}
                        }
                    },
                },
                **_problem_responses([401, 403, 404]),
            },
        }
    }
    paths["/messages/{message_id}/replay"] = {
        "post": {
            "operationId": "replay_message",
            "summary": "Process a message again (a done one only with force, by a "
            "manager)",
            "tags": ["messages"],
            "parameters": [_id_param()],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"force": {"type": "boolean"}},
                        }
                    }
                },
            },
            "responses": {
                "202": {
                    "description": "Queued again",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Message"}
                        }
                    },
                },
                **_problem_responses([400, 401, 403, 404, 409, 413, 422]),
            },
        }
    }
    paths["/webhooks/{system}"] = {
        "post": {
            "operationId": "post_signed_webhook",
            "summary": "A message signed with the system's webhook secret "
            "(Standard Webhooks), instead of an API key",
            "tags": ["flows"],
            "security": [],
            "parameters": [
                {
                    "name": "system",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                },
                *[
                    {
                        "name": header,
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                    for header in (
                        "webhook-id",
                        "webhook-timestamp",
                        "webhook-signature",
                    )
                ],
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["type", "data"],
                            "properties": {
                                "type": {
                                    "type": "string",
                                    "description": "The flow code",
                                },
                                "timestamp": {"type": "string", "format": "date-time"},
                                "data": {"type": "object"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "A replay of an accepted webhook-id",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Accepted"}
                        }
                    },
                },
                "202": {
                    "description": "Stored and queued",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Accepted"}
                        }
                    },
                },
                **_problem_responses([400, 401, 403, 404, 409, 413, 422, 429]),
            },
        }
    }
    paths["/health"] = {
        "get": {
            "operationId": "health",
            "summary": "Versions, database state, queue backlog and job runner state",
            "tags": ["operations"],
            "security": [],
            "responses": {
                "200": {
                    "description": "Healthy enough to answer",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Health"}
                        }
                    },
                }
            },
        }
    }
    paths["/metrics"] = {
        "get": {
            "operationId": "metrics",
            "summary": "Prometheus text exposition of the hub's counters",
            "tags": ["operations"],
            "responses": {
                "200": {
                    "description": "Prometheus text format 0.0.4",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                **_problem_responses([401, 403]),
            },
        }
    }
    paths["/openapi.json"] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "tags": ["operations"],
            "security": [],
            "responses": {
                "200": {
                    "description": "OpenAPI 3.1",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    }
    responses = {
        f"Problem{status}": {
            "description": ", ".join(
                sorted(code for code, (st, _t) in PROBLEMS.items() if st == status)
            ),
            "content": {
                "application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}
                }
            },
        }
        for status in ERROR_STATUSES
    }
    spec = {
        "openapi": "3.1.0",
        "info": {
            "title": "Construction Integration Hub",
            "version": api_version,
            "description": "Odoo as the hub between a construction company's field "
            "systems and its back office. Every flow below is generated from the "
            "flows configured in Odoo.",
        },
        "servers": [{"url": server_url}],
        "security": [{"apiKey": []}],
        "tags": [{"name": "flows"}, {"name": "messages"}, {"name": "operations"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The Odoo API key of the system's service user.",
                }
            },
        },
    }
    add_common_responses(spec)
    return spec


def add_common_responses(spec):
    """What every operation may answer besides its own statuses: 500 and 503; 401
    and 403 unless it is public; 404 if it has path parameters (a value the route
    cannot match, or that names nothing). Added to the business addons' paths too, so
    the document says what the hub does."""
    for path, path_item in spec["paths"].items():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            statuses = list(COMMON_STATUSES)
            if operation.get("security") != []:
                statuses += [401, 403]
            if "{" in path:
                statuses.append(404)
            for status in statuses:
                responses.setdefault(
                    str(status), {"$ref": f"#/components/responses/Problem{status}"}
                )
    return spec


def _problem_or_batch():
    return {
        "description": "A problem for one message; the batch result when no envelope "
        "of a batch was accepted",
        "content": {
            "application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}
            },
            "application/json": {
                "schema": {"$ref": "#/components/schemas/BatchAccepted"}
            },
        },
    }


def _id_param():
    return {
        "name": "message_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }
