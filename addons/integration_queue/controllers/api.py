# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""REST endpoints of the hub under /api/construction/v1.

Thin by design: authenticate, parse, hand over to the inbox model, answer. Every error
is an RFC 9457 problem with a stable code (see lib/errors.py).
"""

import base64
import functools
import hashlib
import json
import logging
import math
import re
from datetime import datetime

import werkzeug.exceptions
from werkzeug.http import http_date

import odoo.release
from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..database_unavailable import DATABASE_DOWN_ERRORS
from ..lib.datetimes import naive_utc
from ..lib.errors import PROBLEMS, IntegrationParseError, problem
from ..lib.openapi import add_common_responses, build_openapi
from ..lib.signature import SignatureError, verify
from ..lib.text import decode_xml, json_problem, storable, unstorable
from ..models.ir_http import DEFAULT_MAX_BODY, MAX_BODY_PARAM

_logger = logging.getLogger(__name__)

API_PREFIX = "/api/construction/v1"
API_VERSION = "1.0.0"
DEFAULT_MAX_BATCH = 1000
CATCH_ALL = "/api/construction/<path:subpath>"
# deeper documents are refused: validators and encoders recurse once per level
MAX_JSON_DEPTH = 64
# first key of the rate limit's advisory locks (the second is the system id)
RATE_LOCK_CLASS = 0x1A7E


def _is_xml(media_type):
    return media_type in ("application/xml", "text/xml") or media_type.endswith("+xml")


class ApiProblem(Exception):
    def __init__(self, code, detail=None, headers=None, **extra):
        super().__init__(detail or code)
        self.code = code
        self.detail = detail
        self.headers = headers or []
        self.extra = extra


def json_response(data, status=200, headers=None, content_type="application/json"):
    return request.make_response(
        json.dumps(data, default=str),
        headers=[("Content-Type", content_type), *(headers or [])],
        status=status,
    )


def problem_response(code, detail=None, headers=None, **extra):
    body = problem(code, detail, **extra)
    return json_response(
        body, body["status"], headers, content_type="application/problem+json"
    )


def api_endpoint(func):
    """Turn ApiProblem and unexpected errors into problem+json; never a traceback."""

    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        try:
            for value in kwargs.values():
                # a path value PostgreSQL text cannot hold names nothing
                if isinstance(value, str) and unstorable(value):
                    raise ApiProblem("not_found", "No such record.")
            return func(self, *args, **kwargs)
        except ApiProblem as exc:
            return problem_response(exc.code, exc.detail, exc.headers, **exc.extra)
        except AccessError as exc:
            request.env.cr.rollback()
            return problem_response("forbidden", str(exc))
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # Odoo retries the whole request on these (a concurrent duplicate key,
            # say); the retry then answers as a replay.
            raise
        except DATABASE_DOWN_ERRORS:
            # the connection broke: answered as the database being unreachable,
            # outside this request's (dead) transaction; see database_unavailable.py
            raise
        except Exception:
            _logger.exception("Unexpected error on %s", request.httprequest.path)
            request.env.cr.rollback()
            return problem_response(
                "internal_error", "The error was logged; retry later with the same key."
            )

    return wrapper


def api_route(path, methods, auth="hub_key"):
    """A route of the hub's REST API: under API_PREFIX, plain HTTP without CSRF (API
    clients) nor session cookie, authenticated by a hub API key (see ir.http
    _auth_method_hub_key) unless said otherwise, every error a problem+json answer.
    Business addons declare their routes with it."""

    def decorate(func):
        return http.route(
            f"{API_PREFIX}{path}",
            type="http",
            auth=auth,
            methods=methods,
            csrf=False,
            save_session=False,
        )(api_endpoint(func))

    return decorate


def _config(key, default):
    # sudo: technical limits, read for any caller
    value = request.env["ir.config_parameter"].sudo().get_param(key)
    return int(value) if value else default


def _read_body():
    limit = _config(MAX_BODY_PARAM, DEFAULT_MAX_BODY)
    length = request.httprequest.content_length
    if length and length > limit:
        raise ApiProblem(
            "payload_too_large",
            f"The body is {length} bytes; at most {limit} are accepted.",
        )
    # werkzeug caps a body without Content-Length at Odoo's max_content_length.
    # cache=True: on a serialization conflict Odoo runs the request again, and the
    # retry must read the same body, not an exhausted stream.
    raw = request.httprequest.get_data(cache=True)
    if len(raw) > limit:
        raise ApiProblem("payload_too_large", f"The body is over {limit} bytes.")
    return raw


def _parse_json(raw):
    if not raw.strip():
        raise ApiProblem("malformed_json", "The body is empty; send a JSON document.")
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise ApiProblem("malformed_json", str(exc)) from exc
    except RecursionError as exc:
        raise ApiProblem(
            "invalid_request",
            f"The body is nested deeper than {MAX_JSON_DEPTH} levels.",
        ) from exc
    reason = json_problem(document, MAX_JSON_DEPTH)
    if reason:
        raise ApiProblem("invalid_request", reason)
    return document


def _parse_time(value, where):
    """An ISO 8601 date-time as naive UTC, Odoo's storage convention."""
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        parsed = naive_utc(value)
    except (ValueError, OverflowError) as exc:
        # OverflowError: a valid date whose UTC time falls outside years 1-9999
        raise ApiProblem(
            "invalid_request", f"{where} {value!r} is not an ISO 8601 date-time."
        ) from exc
    return parsed


def _header(name):
    """A request header, refused if PostgreSQL text cannot hold it."""
    value = request.httprequest.headers.get(name)
    if value and unstorable(value):
        raise ApiProblem(
            "invalid_request", f"{name} holds a NUL, which cannot be stored."
        )
    return value


def _current_system():
    system = request.env["integration.system"]._for_user(request.env.user)
    if not system or not system.active:
        raise ApiProblem(
            "not_a_system_user",
            "Use the API key of an active integration system's service user.",
        )
    return system


def _flow_for(system, flow_code):
    # sudo: flows are the public contract of the API; the system's enabled flows
    # decide what it may use.
    flow = (
        request.env["integration.flow"]
        .sudo()
        .search([("code", "=", flow_code), ("direction", "=", "inbound")], limit=1)
    )
    if not flow:
        raise ApiProblem("unknown_flow", f"There is no inbound flow {flow_code!r}.")
    if flow not in system.sudo().flow_ids:
        raise ApiProblem(
            "flow_not_enabled",
            f"Flow {flow_code!r} is not enabled for system {system.code!r}.",
        )
    return flow


def _check_rate(system, incoming):
    """Refuse the request if it would take the system over its messages a minute.

    Exact under concurrency: requests of one system take turns (a transaction-level
    advisory lock, released when the request's messages commit), and each counts in
    a cursor of its own, in a new snapshot that sees the messages its predecessors
    committed; this request's snapshot, taken before it waited, would not.
    """
    limit = system.sudo().rate_limit
    if not limit:
        return
    request.env.cr.execute(
        "SELECT pg_advisory_xact_lock(%s, %s)", [RATE_LOCK_CLASS, system.id]
    )
    # the clock of the messages' received_at (Python's), not the transaction's now()
    now = datetime.utcnow()
    with request.env.registry.cursor() as cr:
        cr.execute(
            """
            SELECT count(*),
                   extract(epoch FROM min(received_at) + interval '60 seconds' - %s)
              FROM integration_message
             WHERE system_id = %s AND received_at > %s - interval '60 seconds'
            """,
            [now, system.id, now],
        )
        count, reset_in = cr.fetchone()
    if count + incoming > limit:
        retry_after = max(1, math.ceil(reset_in or 60))
        raise ApiProblem(
            "rate_limited",
            f"{system.code} may send {limit} messages a minute; {count} arrived in the "
            f"last minute.",
            headers=[("Retry-After", str(retry_after))],
        )


def _items_from(body, raw, key_required=True):
    """The messages of a request: one payload with its Idempotency-Key header, or a
    JSON array of envelopes {idempotency_key, event_time, payload}. A dry run stores
    nothing, so its single payload needs no key."""
    if isinstance(body, list):
        limit = _config("integration_queue.max_batch_items", DEFAULT_MAX_BATCH)
        if len(body) > limit:
            raise ApiProblem(
                "batch_too_large", f"The batch has {len(body)} items; at most {limit}."
            )
        if not body:
            raise ApiProblem("invalid_request", "The batch is empty.")
        items = []
        for index, envelope in enumerate(body):
            key = isinstance(envelope, dict) and envelope.get("idempotency_key")
            if (
                not key
                or not isinstance(key, str)
                or len(key) > 255
                or "payload" not in envelope
            ):
                raise ApiProblem(
                    "invalid_request",
                    f"Batch item {index} needs an idempotency_key (a string of at most "
                    f"255 characters) and a payload.",
                )
            items.append(
                {
                    "idempotency_key": key,
                    "payload": envelope["payload"],
                    "raw": json.dumps(envelope["payload"], ensure_ascii=False),
                    "event_time": _parse_time(
                        envelope.get("event_time"), f"Item {index} event_time"
                    ),
                }
            )
        return items, True
    return [
        {
            "idempotency_key": _idempotency_key()
            if key_required
            else _header("Idempotency-Key"),
            "payload": body,
            "raw": raw.decode("utf-8", errors="replace"),
            "event_time": _parse_time(_header("X-Event-Time"), "X-Event-Time"),
        }
    ], False


def _idempotency_key():
    key = _header("Idempotency-Key")
    if not key:
        raise ApiProblem(
            "idempotency_key_required",
            "Send an Idempotency-Key header with a single message, or post a batch.",
        )
    if len(key) > 255:
        raise ApiProblem(
            "invalid_request", "Idempotency-Key is longer than 255 characters."
        )
    return key


def _document_item(flow, raw, media_type, key_required=True):
    """The message of an XML body: the document kept as received, the payload as
    the flow's parser reads it, or the parser's refusal (stored as rejected)."""
    if not flow.accepts_xml:
        raise ApiProblem(
            "unsupported_media_type",
            f"Flow {flow.code!r} takes JSON only (application/json).",
        )
    key = _idempotency_key() if key_required else _header("Idempotency-Key")
    if not raw.strip():
        raise ApiProblem("invalid_request", "The body is empty; send an XML document.")
    try:
        text = decode_xml(raw)
    except (ValueError, LookupError) as exc:
        raise ApiProblem(
            "invalid_request",
            "The document is neither UTF-8 nor in the encoding its XML declaration "
            "names.",
        ) from exc
    if unstorable(text):
        raise ApiProblem(
            "invalid_request", "The document holds a NUL, which XML does not allow."
        )
    item = {
        "idempotency_key": key,
        "raw_body": text,
        "content_type": media_type,
        "digest": hashlib.sha256(raw).hexdigest(),
        "event_time": _parse_time(_header("X-Event-Time"), "X-Event-Time"),
    }
    try:
        # the parser runs as the system's service user: the request's environment
        payload = flow._parse_document(raw, media_type, request.env)
    except IntegrationParseError as exc:
        item.update(payload=None, raw=None, parse_error=(exc.code, storable(str(exc))))
    else:
        item.update(payload=payload, raw=json.dumps(payload, ensure_ascii=False))
    return item


def _version_for(flow, requested):
    """The live contract version a call names (by path or X-Flow-Version), or the
    flow's default; a retired one (or one past its sunset) answers 410 naming its
    successor."""
    if requested is None or requested == "":
        version = flow._default_version()
    else:
        match = re.fullmatch(r"v?([0-9]{1,6})", requested)
        version = flow._version(int(match[1])) if match else flow.version_ids[:0]
    if not version or version.state == "draft":
        raise ApiProblem(
            "unknown_flow_version",
            f"Flow {flow.code!r} has no live version {requested!r}.",
        )
    retired = version.state == "retired" or (
        version.state == "deprecated"
        and version.sunset_at
        and version.sunset_at <= datetime.utcnow()
    )
    if retired:
        successor = version.successor_id or flow._default_version()
        raise ApiProblem(
            "flow_version_retired",
            f"Version {version.number} of flow {flow.code!r} is retired; send version "
            f"{successor.number} instead.",
            successor_version=successor.number,
            successor=f"{API_PREFIX}/flows/{flow.code}/v{successor.number}",
        )
    return version


def _version_headers(version):
    """RFC 9745 Deprecation, RFC 8594 Sunset and the successor's Link, on every
    answer of a deprecated version."""
    if version.state != "deprecated":
        return []
    since = version.deprecated_at or version.write_date
    headers = [
        ("Deprecation", f"@{int((since - datetime(1970, 1, 1)).total_seconds())}")
    ]
    if version.sunset_at:
        headers.append(("Sunset", http_date(version.sunset_at)))
    if version.successor_id:
        headers.append(
            (
                "Link",
                f"<{API_PREFIX}/flows/{version.flow_id.code}/"
                f'v{version.successor_id.number}>; rel="successor-version"',
            )
        )
    return headers


def _dry_run_requested(value):
    value = value or ""
    if value.lower() in ("", "0", "false", "no"):
        return False
    if value.lower() in ("1", "true", "yes"):
        return True
    raise ApiProblem("invalid_request", "dry_run is true or false.")


MULTIPART_METADATA = "metadata"


def _multipart_item(flow, key_required=True):
    """The message of a multipart/form-data upload: the JSON part ``metadata`` is
    the payload, and each file part becomes its member named as the part:
    {filename, mimetype, content_base64, sha256}. So an upload is stored, validated,
    hashed for idempotency and replayed exactly as the same file sent as base64 JSON.
    Odoo parsed the form before the route runs, under the hub's body limit (see
    ir.http _pre_dispatch)."""
    if not flow.accepts_multipart:
        raise ApiProblem(
            "unsupported_media_type",
            f"Flow {flow.code!r} does not take file uploads (multipart/form-data).",
        )
    key = _idempotency_key() if key_required else _header("Idempotency-Key")
    limit = _config(MAX_BODY_PARAM, DEFAULT_MAX_BODY)
    length = request.httprequest.content_length
    if length and length > limit:
        raise ApiProblem(
            "payload_too_large",
            f"The body is {length} bytes; at most {limit} are accepted.",
        )
    form, files = request.httprequest.form, request.httprequest.files
    if MULTIPART_METADATA in files:
        metadata = _read_part(files[MULTIPART_METADATA])
    elif MULTIPART_METADATA in form:
        metadata = form[MULTIPART_METADATA].encode()
    else:
        raise ApiProblem(
            "invalid_request",
            "A multipart upload needs a JSON part named 'metadata' and its file "
            "parts (is the boundary of the Content-Type right?).",
        )
    others = set(form) - {MULTIPART_METADATA}
    if others:
        raise ApiProblem(
            "invalid_request",
            f"Unexpected form fields {', '.join(sorted(others))}: send them in the "
            "metadata part.",
        )
    payload = _parse_json(metadata)
    if not isinstance(payload, dict):
        raise ApiProblem("invalid_request", "The metadata part must be a JSON object.")
    total = 0
    for name, storage in files.items(multi=True):
        if name == MULTIPART_METADATA:
            continue
        if name in payload:
            raise ApiProblem(
                "invalid_request",
                f"Part {name!r} comes twice, or is both a file and a member of the "
                "metadata.",
            )
        content = _read_part(storage)
        total += len(content)
        if total > limit:
            raise ApiProblem("payload_too_large", f"The files are over {limit} bytes.")
        filename = storage.filename or name
        if unstorable(filename) or unstorable(storage.mimetype or ""):
            raise ApiProblem(
                "invalid_request", f"Part {name!r} has a NUL in its headers."
            )
        payload[name] = {
            "filename": filename,
            "mimetype": storage.mimetype or "application/octet-stream",
            "content_base64": base64.b64encode(content).decode(),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
    return {
        "idempotency_key": key,
        "payload": payload,
        "raw": json.dumps(payload, ensure_ascii=False),
        "event_time": _parse_time(_header("X-Event-Time"), "X-Event-Time"),
    }


def _read_part(storage):
    # from the start: Odoo runs a request again on a serialization conflict, and
    # the retry reads the parts the first run read
    storage.stream.seek(0)
    return storage.stream.read()


def _answer(results, batch):
    if batch:
        items = []
        for result in results:
            item = dict(result)
            code = item.pop("problem_code", None)
            if code:
                extra = {"errors": item.pop("errors")} if "errors" in item else {}
                if "parser_code" in item:
                    extra["parser_code"] = item.pop("parser_code")
                item["problem"] = problem(code, item.pop("detail", None), **extra)
            items.append(item)
        accepted = any(r["status"] in (200, 202) for r in results)
        status = (
            202
            if accepted
            else (422 if any(r["status"] == 422 for r in results) else 409)
        )
        return json_response(
            {"errors": any(r["status"] >= 400 for r in results), "items": items},
            status=status,
        )
    result = results[0]
    if result.get("problem_code"):
        extra = {"message_id": result["message_id"]}
        if result.get("parser_code"):
            extra["parser_code"] = result["parser_code"]
        if result.get("errors"):
            extra["errors"] = result["errors"]
        return problem_response(result["problem_code"], result.get("detail"), **extra)
    headers = [("Location", f"{API_PREFIX}/messages/{result['message_id']}")]
    if result.get("replayed"):
        headers.append(("Idempotent-Replayed", "true"))
    return json_response(result, status=result["status"], headers=headers)


class ConstructionApi(http.Controller):
    @api_route("/health", methods=["GET"], auth="public")
    def health(self):
        # sudo: the health route is unauthenticated by contract; it reads only module
        # versions and queue counters, never a payload or a secret.
        env = request.env(su=True)
        hub = env["integration.hub"]
        return json_response(
            {
                "status": "ok",
                "odoo_version": odoo.release.version,
                "api_version": API_VERSION,
                "suite": hub._suite_versions(),
                "database": hub._database_state(),
                "queue": hub._queue_state(),
            }
        )

    @api_route("/openapi.json", methods=["GET"], auth="public")
    def openapi(self):
        # sudo: flow contracts (codes and schemas) are the published API documentation.
        flows = (
            request.env["integration.flow"]
            .sudo()
            .search([("direction", "=", "inbound")])
        )
        base = request.httprequest.host_url.rstrip("/") + API_PREFIX
        spec = build_openapi(flows._openapi_descriptors(), API_VERSION, base)
        spec["paths"].update(
            request.env["integration.hub"].sudo()._openapi_extra_paths()
        )
        return json_response(add_common_responses(spec))

    @api_route("/flows/<string:flow_code>", methods=["POST"])
    def post_flow(self, flow_code, dry_run=None, **_form_parts):
        # _form_parts: Odoo hands a multipart upload's parts to the route as
        # arguments; _multipart_item reads them from the request instead
        return self._post_flow(flow_code, _header("X-Flow-Version"), dry_run)

    @api_route("/flows/<string:flow_code>/<string:version>", methods=["POST"])
    def post_flow_version(self, flow_code, version, dry_run=None, **_form_parts):
        header = _header("X-Flow-Version")
        if header and header.lstrip("v") != version.lstrip("v"):
            raise ApiProblem(
                "invalid_request",
                f"The path names version {version} and X-Flow-Version {header}.",
            )
        return self._post_flow(flow_code, version, dry_run)

    def _post_flow(self, flow_code, requested_version, dry_run_arg):
        system = _current_system()
        flow = _flow_for(system, flow_code)
        version = _version_for(flow, requested_version)
        dry_run = _dry_run_requested(dry_run_arg)
        media_type = (
            (request.httprequest.mimetype or "").lower()
            if request.httprequest.content_type
            else ""
        )
        if media_type == "multipart/form-data":
            items, batch = [_multipart_item(flow, not dry_run)], False
        else:
            raw = _read_body()
            if _is_xml(media_type):
                items = [_document_item(flow, raw, media_type, not dry_run)]
                batch = False
            else:
                items, batch = _items_from(_parse_json(raw), raw, not dry_run)
        if dry_run:
            # nothing is stored, so nothing counts against the rate limit either
            reports = request.env["integration.dry.run"]._run(
                system.sudo(), flow, version, items
            )
            body = (
                {"dry_run": True, "items": reports}
                if batch
                else {"dry_run": True, **reports[0]}
            )
            response = json_response(body)
        else:
            _check_rate(system, len(items))
            results = request.env["integration.message"]._ingest(
                system.sudo(), flow, items, version=version
            )
            response = _answer(results, batch)
        for name, value in _version_headers(version):
            response.headers.add(name, value)
        return response

    @api_route("/webhooks/<string:system_code>", methods=["POST"], auth="public")
    def post_signed_webhook(self, system_code):
        # sudo: the caller has no Odoo identity yet; the signature made with the
        # system's secret is what authenticates it.
        system = (
            request.env["integration.system"]
            .sudo()
            .search([("code", "=", system_code), ("active", "=", True)], limit=1)
        )
        if not system:
            raise ApiProblem("unknown_system", f"There is no system {system_code!r}.")
        if not system.webhook_secret or not system.user_id:
            raise ApiProblem(
                "forbidden", "Signed webhooks are not enabled for this system."
            )
        if not system.user_id.active:
            # an archived service user is a system switched off, as for its keys
            raise ApiProblem(
                "forbidden",
                "This system's service user is archived: it is off.",
            )
        raw = _read_body()
        headers = request.httprequest.headers
        try:
            verify(
                system.webhook_secret,
                headers.get("webhook-id"),
                headers.get("webhook-timestamp"),
                headers.get("webhook-signature"),
                raw,
                tolerance=system.webhook_tolerance,
            )
        except SignatureError as exc:
            raise ApiProblem(exc.code, str(exc)) from exc
        body = _parse_json(raw)
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("type"), str)
            or "data" not in body
        ):
            raise ApiProblem(
                "invalid_request", 'The body must be {"type": <flow>, "data": {...}}.'
            )
        request.update_env(user=system.user_id.id)
        system = system.with_env(request.env)
        flow = _flow_for(system, body["type"])
        _check_rate(system, 1)
        item = {
            "idempotency_key": _header("webhook-id")[:255],
            "payload": body["data"],
            "raw": json.dumps(body["data"], ensure_ascii=False),
            "event_time": _parse_time(body.get("timestamp"), "timestamp"),
        }
        results = request.env["integration.message"]._ingest(
            system.sudo(), flow, [item], source="webhook"
        )
        return _answer(results, False)

    def _visible_message(self, message_id):
        user = request.env.user
        system = request.env["integration.system"]._for_user(user)
        if not system and not user.has_group(
            "integration_queue.group_integration_user"
        ):
            raise ApiProblem("not_a_system_user")
        message = request.env["integration.message"].browse(message_id)
        try:
            if not message.exists() or (system and message.system_id != system):
                raise ApiProblem(
                    "message_not_found", f"No message {message_id} for this key."
                )
        except AccessError as exc:
            raise ApiProblem(
                "message_not_found", f"No message {message_id} for this key."
            ) from exc
        return message

    @api_route("/messages/<int:message_id>", methods=["GET"])
    def get_message(self, message_id):
        return json_response(self._visible_message(message_id)._api_view())

    @api_route("/messages/<int:message_id>/replay", methods=["POST"])
    def replay_message(self, message_id):
        message = self._visible_message(message_id)
        raw = _read_body()
        body = _parse_json(raw) if raw.strip() else {}
        force = bool(isinstance(body, dict) and body.get("force"))
        if message.state == "done" and not force:
            raise ApiProblem(
                "message_already_done",
                "The message was processed already; a manager may send "
                '{"force": true}.',
            )
        try:
            message.action_replay(force=force)
        except AccessError as exc:
            raise ApiProblem("forbidden", str(exc)) from exc
        except UserError as exc:
            raise ApiProblem(
                "schema_validation_failed", str(exc), message_id=message.id
            ) from exc
        return json_response(message._api_view(), status=202)

    @api_route("/metrics", methods=["GET"])
    def metrics(self):
        if not request.env.user.has_group("integration_queue.group_integration_user"):
            raise ApiProblem(
                "forbidden", "Metrics need the key of an integration user."
            )
        # sudo: aggregated counters across systems, for a user entitled to monitoring
        text = request.env["integration.hub"].sudo()._prometheus_metrics()
        return request.make_response(
            text, headers=[("Content-Type", "text/plain; version=0.0.4; charset=utf-8")]
        )


class ApiNotFound(http.Controller):
    """Every other path under /api/construction/ answers a problem, never Odoo's
    HTML page: 405 when the path exists for other methods, 404 otherwise."""

    @http.route(
        CATCH_ALL,
        type="http",
        auth="none",
        csrf=False,
        save_session=False,
    )
    def not_found(self, subpath):
        allowed = _allowed_methods()
        if allowed:
            return problem_response(
                "method_not_allowed",
                f"{request.httprequest.method} is not allowed here; use "
                f"{', '.join(allowed)}.",
                headers=[("Allow", ", ".join(allowed))],
                allowed_methods=allowed,
            )
        return problem_response(
            "not_found", "No route of the hub's API matches this path."
        )


def _allowed_methods():
    """The methods another route of the API takes on the requested path."""
    adapter = (
        request.env["ir.http"]
        .routing_map()
        .bind_to_environ(request.httprequest.environ)
    )
    allowed = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            rule, _args = adapter.match(method=method, return_rule=True)
        except werkzeug.exceptions.HTTPException:
            continue
        if rule.rule != CATCH_ALL:
            allowed.append(method)
    return allowed


__all__ = ["API_PREFIX", "PROBLEMS", "ConstructionApi", "api_route", "problem_response"]
