# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import json
import logging
import time
from collections import defaultdict
from datetime import timedelta

from psycopg2.extras import execute_values

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.sql import create_index

from ..lib.errors import IntegrationDeferred, IntegrationError, IntegrationParseError
from ..lib.text import encode_xml, storable

_logger = logging.getLogger(__name__)

STATES = [
    ("received", "Received"),
    ("rejected", "Rejected"),
    ("queued", "Queued"),
    ("done", "Done"),
    ("failed", "Failed (retry scheduled)"),
    ("dead", "Dead letter"),
    ("deferred", "Deferred"),
]
WAITING_STATES = ("received", "queued", "failed", "deferred")


def payload_hash(payload):
    """SHA-256 of the canonical JSON form: key order and spacing do not matter."""
    canonical = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _iso(value):
    """A stored UTC datetime as the API writes it; null, never false, when unset."""
    return value.isoformat() + "Z" if value else None


class InboundMessage:
    """What a flow processor receives besides the payload.

    It resolves external ids through the hub's mapping, applies the ownership rules on
    writes, and records which Odoo records the message produced (lineage).
    """

    def __init__(self, message, env):
        self.record = message  # integration.message, in sudo: the hub's bookkeeping
        self.env = env  # the system's service user: the processor's rights
        self.system = message.system_id
        self.flow = message.flow_id
        # the contract version the caller sent: what a processor may read of the
        # payload past version 1 (an older caller's extra keys are not contract)
        self.contract_version = message.flow_version_id.number or 1
        self.idempotency_key = message.idempotency_key
        self.event_time = message.event_time
        self.links = []
        self.notes = []

    def link(self, record, action="updated"):
        for rec in record:
            self.links.append((rec._name, rec.id, action))

    def report(self, code, text, record=None):
        """A business problem a person must act on, found while processing: noted
        on the message and opened as an exception for the flow's owner (the
        message itself goes on)."""
        self.notes.append(text)
        # sudo: service users may not open exceptions; the hub's own bookkeeping
        self.env["integration.exception"].sudo()._raise(
            code, text, message=self.record, record=record, system=self.system
        )

    def resolve(self, model, external_id, required=True):
        """The Odoo record mapped to ``external_id`` of this system, or an error a
        person can act on (retryable: the referenced record may arrive later)."""
        record = self.env["integration.mapping"]._resolve(
            self.system, model, external_id, env=self.env
        )
        if not record and required:
            raise IntegrationError(
                _(
                    "%(system)s refers to %(model)s %(ref)r, which is not known in "
                    "Odoo yet."
                )
                % {
                    "system": self.system.name,
                    "model": self.env[model]._description,
                    "ref": external_id,
                },
                code="unknown_reference",
            )
        return record

    def upsert(self, model, external_id, vals):
        """Create or update the record mapped to ``external_id``; returns it.

        Updates go through the ownership rules; creation takes every value given.
        Retried or replayed messages find the mapping and update, never duplicate.
        """
        mapping = self.env["integration.mapping"]
        record = mapping._resolve(self.system, model, external_id, env=self.env)
        if record:
            vals = self.env["integration.ownership"]._filter_write(
                self.system, record, vals, self
            )
            if vals:
                record.write(vals)
            self.link(record, "updated")
        else:
            record = self.env[model].create(vals)
            mapping._link(self.system, record, external_id, self.record)
            self.link(record, "created")
        return record

    def upsert_many(self, model, items, context=None):
        """upsert of many records at once: ``items`` is [(external_id, vals), ...]
        with each external id once; returns {external_id: record}.

        One lookup of the mappings, one create of the new records and their
        mappings, and one write per distinct set of values the ownership rules let
        through. ``context`` holds the processor's keys for these creates and
        writes (mail_create_nolog, say).
        """
        items = [(str(ref), vals) for ref, vals in items]
        if len({ref for ref, _vals in items}) != len(items):
            raise ValueError(f"upsert_many of {model}: an external id comes twice")
        records = self.env[model].with_context(**(context or {}))
        mapping = self.env["integration.mapping"]
        found = mapping._resolve_many(
            self.system, model, [ref for ref, _vals in items], env=records.env
        )
        existing = [(found[ref], vals) for ref, vals in items if ref in found]
        allowed = self.env["integration.ownership"]._filter_write_many(
            self.system, existing, self
        )
        # records given the same values are written together
        groups = {}
        for (record, _vals), vals in zip(existing, allowed, strict=True):
            if vals:
                key = repr(sorted(vals.items()))
                groups.setdefault(key, (vals, []))[1].append(record.id)
        for vals, ids in groups.values():
            records.browse(ids).write(vals)
        self.link(records.browse([record.id for record, _vals in existing]), "updated")
        new = [(ref, vals) for ref, vals in items if ref not in found]
        if not new:
            return found
        created = records.create([vals for _ref, vals in new])
        pairs = [
            (ref, record) for (ref, _vals), record in zip(new, created, strict=True)
        ]
        mapping._link_many(self.system, pairs, self.record)
        self.link(created, "created")
        return {**found, **dict(pairs)}


class IntegrationMessage(models.Model):
    """One inbound payload and its life: stored first, then processed."""

    _name = "integration.message"
    _description = "Integration Message"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    system_id = fields.Many2one(
        "integration.system", required=True, ondelete="restrict", index=True
    )
    flow_id = fields.Many2one(
        "integration.flow", required=True, ondelete="restrict", index=True
    )
    flow_version_id = fields.Many2one(
        "integration.flow.version",
        string="Contract Version",
        ondelete="restrict",
        index=True,
        help="The version of the flow's contract the payload was sent in.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    idempotency_key = fields.Char(required=True)
    payload = fields.Text(
        help="The payload as received, or as the flow's parser read it from the "
        "document (an XML body)."
    )
    raw_body = fields.Text(
        string="Document",
        help="The body as received when it was not the JSON payload itself (an XML "
        "document); replaying a rejected message reads it again.",
    )
    content_type = fields.Char(help="Media type of the document when it was not JSON.")
    payload_hash = fields.Char(
        help="SHA-256 of the payload's canonical JSON, or of the document's bytes "
        "as received (an XML body)."
    )
    source = fields.Selection(
        [("api", "API key"), ("webhook", "Signed webhook"), ("ui", "User")],
        default="api",
    )
    received_at = fields.Datetime(default=fields.Datetime.now, required=True)
    event_time = fields.Datetime(help="When the event happened in the source system.")
    state = fields.Selection(STATES, default="received", required=True, index=True)
    attempt_count = fields.Integer(string="Attempts")
    next_attempt_at = fields.Datetime()
    processed_at = fields.Datetime()
    latency_ms = fields.Integer(
        string="Latency (ms)", help="From received to processed.", aggregator="avg"
    )
    error_code = fields.Char()
    error_message = fields.Text()
    validation_errors = fields.Text(help="Schema violations, as JSON.")
    job_uuid = fields.Char(string="Last Job", copy=False)
    replay_count = fields.Integer()
    lineage_ids = fields.One2many("integration.lineage", "message_id", string="Records")
    attempt_ids = fields.One2many("integration.message.attempt", "message_id")
    exception_ids = fields.One2many("integration.exception", "message_id")
    record_count = fields.Integer(compute="_compute_record_count")

    _sql_constraints = [
        (
            "idempotency_uniq",
            "unique(system_id, flow_id, idempotency_key)",
            "This system already sent a message with this idempotency key on this "
            "flow.",
        )
    ]

    def init(self):
        # backlog and monitoring scan by state; rate limiting counts a system's
        # recent messages
        create_index(
            self.env.cr,
            "integration_message_system_received_idx",
            self._table,
            ["system_id", "received_at"],
        )
        create_index(
            self.env.cr,
            "integration_message_flow_state_idx",
            self._table,
            ["flow_id", "state"],
        )
        # the hourly monitoring rollup reads the last hours' arrivals and processing
        create_index(
            self.env.cr,
            "integration_message_received_idx",
            self._table,
            ["received_at"],
        )
        create_index(
            self.env.cr,
            "integration_message_processed_idx",
            self._table,
            ["processed_at"],
        )

    @api.depends("flow_id.code", "idempotency_key")
    def _compute_name(self):
        for message in self:
            message.name = (
                f"{message.flow_id.code or ''} {message.idempotency_key or ''}"
            )

    def _compute_record_count(self):
        counts = dict(
            self.env["integration.lineage"]._read_group(
                [("message_id", "in", self.ids)], ["message_id"], ["__count"]
            )
        )
        for message in self:
            message.record_count = counts.get(message, 0)

    # ------------------------------------------------------------------ ingest
    @api.model
    def _ingest(self, system, flow, items, source="api", version=None):
        """Store ``items`` and queue the valid ones, in the caller's transaction.

        ``items``: dicts with idempotency_key, payload (decoded JSON), raw (its text)
        and event_time; a document read by the flow's parser (an XML body) adds
        raw_body, content_type and digest (of the document), and parse_error (code,
        text) instead of a payload when the parser refused it. Returns one result per
        item, in order: status 202 (queued), 200 (same key and payload seen before:
        the original answer), 409 (same key, other payload) or 422 (schema violations
        or an unreadable document; the message is kept as rejected). ``version``:
        the flow's contract version the items are in (its default if not given).
        """
        # Messages enter only here: as the system's own service user (the API, after
        # its key and the flow were checked), or in sudo (a manager's test message).
        # Nobody has the create right on messages, so no RPC call stores one.
        if not self.env.su and self.env.user != system.user_id:
            raise AccessError(
                _("Only %s's service user may post its messages.", system.name)
            )
        uid = self.env.uid
        now = fields.Datetime.now()
        version = version or flow._default_version()
        first_of_key = {}
        rows = []
        prepared = []
        for index, item in enumerate(items):
            key = item["idempotency_key"]
            digest = item.get("digest") or payload_hash(item["payload"])
            errors = error_code = None
            if key not in first_of_key:
                first_of_key[key] = index
                errors, error_code = flow._item_errors(item, version)
                rows.append(
                    (
                        system.id,
                        flow.id,
                        version.id,
                        system.company_id.id,
                        key,
                        item["raw"],
                        item.get("raw_body"),
                        item.get("content_type"),
                        digest,
                        source,
                        "rejected" if errors else "queued",
                        error_code,
                        json.dumps(errors) if errors else None,
                        now,
                        item.get("event_time"),
                        uid,
                        now,
                        uid,
                        now,
                    )
                )
            prepared.append((key, digest, errors, error_code))
        inserted = {}
        if rows:
            # ON CONFLICT: under REPEATABLE READ a concurrent insert of the same key
            # raises a serialization failure, and Odoo retries the whole request; the
            # retry then sees the first message and answers as a replay.
            inserted = dict(
                (key, msg_id)
                for msg_id, key in execute_values(
                    self.env.cr._obj,
                    """
                    INSERT INTO integration_message
                        (system_id, flow_id, flow_version_id, company_id,
                         idempotency_key, payload,
                         raw_body, content_type, payload_hash, source, state,
                         error_code, validation_errors,
                         received_at, event_time, create_uid, create_date, write_uid,
                         write_date, attempt_count, replay_count)
                    VALUES %s
                    ON CONFLICT (system_id, flow_id, idempotency_key) DO NOTHING
                    RETURNING id, idempotency_key
                    """,
                    rows,
                    template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                    "%s, %s, %s, %s, %s, 0, 0)",
                    page_size=1000,
                    fetch=True,
                )
            )
        existing = {}
        known = [key for key in first_of_key if key not in inserted]
        if known:
            self.env.cr.execute(
                """
                SELECT idempotency_key, id, payload_hash, state, validation_errors,
                       error_code
                  FROM integration_message
                 WHERE system_id = %s AND flow_id = %s AND idempotency_key = ANY(%s)
                """,
                [system.id, flow.id, known],
            )
            existing = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        results = []
        to_queue = []
        for index, (key, digest, errors, error_code) in enumerate(prepared):
            if key in inserted and first_of_key[key] == index:
                msg_id = inserted[key]
                if errors:
                    results.append(
                        self._rejected_result(key, msg_id, errors, error_code)
                    )
                else:
                    to_queue.append(msg_id)
                    results.append(self._accepted_result(key, msg_id, "queued", 202))
                continue
            if key in inserted:  # the same key twice in one batch
                first = prepared[first_of_key[key]]
                same = first[1] == digest
                msg_id, state, old_errors, old_code = (
                    inserted[key],
                    ("rejected" if first[2] else "queued"),
                    first[2],
                    first[3],
                )
            else:
                msg_id, old_digest, state, old_errors, old_code = existing[key]
                old_errors = json.loads(old_errors) if old_errors else None
                same = old_digest == digest
                if not same and state == "rejected":
                    # As Stripe: a request refused before anything ran leaves nothing
                    # to protect; a corrected payload takes the rejected one's place.
                    results.append(
                        self.browse(msg_id)._resubmit(
                            items[index], digest, source, version
                        )
                    )
                    continue
            if not same:
                results.append(
                    {
                        "idempotency_key": key,
                        "message_id": msg_id,
                        "status": 409,
                        "problem_code": "idempotency_key_reused",
                        "detail": _(
                            "Idempotency key %(key)r was first used for message "
                            "%(id)s with a different payload.",
                            key=key,
                            id=msg_id,
                        ),
                    }
                )
            elif state == "rejected":
                result = self._rejected_result(key, msg_id, old_errors, old_code)
                result["replayed"] = True
                results.append(result)
            else:
                results.append(self._accepted_result(key, msg_id, state, 200, True))
        if to_queue:
            self.browse(to_queue)._enqueue()
        return results

    @api.model
    def _accepted_result(self, key, msg_id, state, status, replayed=False):
        return {
            "idempotency_key": key,
            "message_id": msg_id,
            "state": state,
            "status": status,
            "replayed": replayed,
        }

    @api.model
    def _rejected_result(self, key, msg_id, errors, error_code=None):
        result = {
            "idempotency_key": key,
            "message_id": msg_id,
            "state": "rejected",
            "status": 422,
            "problem_code": "schema_validation_failed",
            "detail": _("%s schema violation(s); the message is kept as rejected.")
            % len(errors),
            "errors": errors,
            "replayed": False,
        }
        if error_code and error_code != "schema_validation_failed":
            # the parser's code is its own vocabulary: the problem's code stays one
            # the API documents, the parser's travels beside it
            result.update(
                problem_code="document_not_parsable",
                parser_code=error_code,
                detail=_(
                    "The document cannot be read (%(code)s): %(reason)s The message is "
                    "kept as rejected.",
                    code=error_code,
                    reason=errors[0]["message"] if errors else "",
                ),
            )
        return result

    def _resubmit(self, item, digest, source, version):
        """A rejected message receives a corrected payload under the same key."""
        self.ensure_one()
        # sudo: the service user may create messages, not rewrite them; this only
        # replaces a payload that never ran, under the caller's own key.
        message = self.sudo()
        errors, error_code = message.flow_id._item_errors(item, version)
        message.write(
            {
                "flow_version_id": version.id,
                "payload": item["raw"],
                "raw_body": item.get("raw_body") or False,
                "content_type": item.get("content_type") or False,
                "payload_hash": digest,
                "source": source,
                "event_time": item.get("event_time"),
                "received_at": fields.Datetime.now(),
                "state": "rejected" if errors else "queued",
                "error_code": error_code or False,
                "validation_errors": json.dumps(errors) if errors else False,
            }
        )
        if errors:
            return self._rejected_result(
                message.idempotency_key, message.id, errors, error_code
            )
        message._enqueue()
        return self._accepted_result(message.idempotency_key, message.id, "queued", 202)

    # ------------------------------------------------------------------ queue
    def _enqueue(self, eta=None):
        """One job per message (real time flows) or per chunk (batch flows), in the
        current transaction: the message and its job commit together or not at all."""
        by_flow = defaultdict(list)
        for message in self.sudo():
            by_flow[message.flow_id].append(message.id)
        updates = []
        for flow, ids in by_flow.items():
            size = flow.job_batch_size if flow.mode == "batch" else 1
            for start in range(0, len(ids), max(size, 1)):
                chunk = self.browse(ids[start : start + size])
                job = chunk.with_delay(
                    channel=flow.channel,
                    eta=eta,
                    description=_("Process %(count)s %(flow)s message(s)")
                    % {"count": len(chunk), "flow": flow.code},
                )._process()
                updates.append((job.uuid, chunk.ids))
        for uuid, ids in updates:
            self.env.cr.execute(
                "UPDATE integration_message SET state = 'queued', job_uuid = %s, "
                "next_attempt_at = %s WHERE id = ANY(%s)",
                [uuid, eta, ids],
            )
        self.invalidate_recordset(["state", "job_uuid", "next_attempt_at"])

    # ------------------------------------------------------------------ process
    def _process(self):
        """Job entry point: run each message through its flow's processor.

        Each message runs in a savepoint: a failure rolls back that message's effects
        only. If the job itself dies, its transaction rolls back whole and the
        requeued job starts again from the same messages: nothing lost, nothing twice.
        If the chunk's bookkeeping fails (a processor's result the database refuses),
        the chunk runs again message by message, so only the poison message fails.
        """
        # sudo: the inbox's bookkeeping is the hub's own; processors themselves run as
        # the system's service user (see _processing_env).
        self.env.cr.execute(
            "SELECT id FROM integration_message WHERE id = ANY(%s) "
            "AND state IN ('queued', 'failed') ORDER BY id FOR UPDATE SKIP LOCKED",
            [self.ids],
        )
        messages = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        if not messages:
            return _("Nothing to process: the messages were handled already.")
        cache = ({}, {})  # environments and processors, resolved once per job
        try:
            with self.env.cr.savepoint():
                outcome, *bookkeeping = messages._run_processors(*cache)
                messages._record_outcomes(outcome, *bookkeeping)
        except Exception:  # pylint: disable=broad-except
            _logger.exception(
                "Bookkeeping of %s message(s) failed; processing them one by one",
                len(messages),
            )
            outcome = defaultdict(list)
            for message in messages:
                for state, items in message._process_alone(cache).items():
                    outcome[state].extend(items)
        return _("%(done)s done, %(failed)s failed, %(deferred)s deferred") % {
            "done": len(outcome["done"]),
            "failed": len(outcome["failed"]),
            "deferred": len(outcome["deferred"]),
        }

    def _process_alone(self, cache):
        """One message of a chunk whose bookkeeping failed, in a savepoint of its own.
        If its own bookkeeping fails too, its effects roll back and it fails with the
        database's reason, retried and dead-lettered as any failure."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                outcome, *bookkeeping = self._run_processors(*cache)
                self._record_outcomes(outcome, *bookkeeping)
            return outcome
        except Exception as exc:  # pylint: disable=broad-except
            _logger.exception("Bookkeeping of message %s failed", self.id)
            text = storable(f"{type(exc).__name__}: {exc}")
            outcome = defaultdict(
                list, failed=[(self, "bookkeeping_failed", text, True)]
            )
            self._record_outcomes(
                outcome, [], [(self.id, self.attempt_count + 1, 0.0)], {}
            )
            return outcome

    def _run_processors(self, envs, processors):
        """Run each message's processor in a savepoint; returns what
        ``_record_outcomes`` writes: outcomes by state, lineage links, attempts and
        notes. ``envs`` and ``processors`` memoize per system and flow."""
        outcome = defaultdict(list)
        links, attempts, notes = [], [], {}
        for message in self:
            system, flow = message.system_id, message.flow_id
            if system not in envs:
                envs[system] = message._processing_env()
            ctx = InboundMessage(message, envs[system])
            started = time.perf_counter()
            try:
                with self.env.cr.savepoint():
                    payload = json.loads(message.payload)
                    if message.flow_version_id.adapter:
                        payload = message.flow_version_id._adapt(payload, ctx.env)
                    message._check_period_open(payload)
                    if (system, flow) not in processors:
                        processors[system, flow] = flow._processor(ctx.env)
                    result = processors[system, flow](ctx, payload)
                    # records a processor returns without linking them were updated
                    linked = {link[:2] for link in ctx.links}
                    results = result if isinstance(result, list | tuple) else [result]
                    for records in filter(None, results):
                        for record in records:
                            if (record._name, record.id) not in linked:
                                ctx.link(record)
            except IntegrationDeferred as exc:
                outcome["deferred"].append((message, exc.code, str(exc)))
            except IntegrationError as exc:
                outcome["failed"].append((message, exc.code, str(exc), exc.retryable))
            except AccessError as exc:
                outcome["failed"].append((message, "access_denied", str(exc), False))
            except (UserError, ValidationError) as exc:
                outcome["failed"].append((message, "business_rule", str(exc), False))
            except Exception as exc:  # pylint: disable=broad-except
                _logger.exception(
                    "Processor of %s failed on message %s",
                    message.flow_id.code,
                    message.id,
                )
                outcome["failed"].append(
                    (message, "unexpected_error", f"{type(exc).__name__}: {exc}", True)
                )
            else:
                outcome["done"].append(message)
                links.extend((message.id, *link) for link in ctx.links)
                if ctx.notes:
                    notes[message.id] = "\n".join(ctx.notes)
            attempts.append(
                (
                    message.id,
                    message.attempt_count + 1,
                    (time.perf_counter() - started) * 1000,
                )
            )
        return outcome, links, attempts, notes

    def _processing_env(self):
        """The environment processors run in: the system's service user, in the
        system's company, never superuser."""
        self.ensure_one()
        user = self.system_id.user_id or self.env.user
        company = self.system_id.company_id
        return self.env(
            user=user.id,
            su=False,
            context=dict(
                self.env.context,
                allowed_company_ids=[company.id],
                integration_message_id=self.id,
            ),
        )

    def _check_period_open(self, payload):
        flow = self.flow_id
        if not flow.accounting_date_key:
            return
        value = (
            payload.get(flow.accounting_date_key) if isinstance(payload, dict) else None
        )
        date = (
            fields.Date.to_date(value)
            if value
            else (self.event_time or self.received_at).date()
        )
        reason = self.env["integration.freeze"]._frozen_reason(
            self.company_id, date, flow
        )
        if reason:
            raise IntegrationDeferred(reason)

    def _record_outcomes(self, outcome, links, attempts, notes):
        cr = self.env.cr
        # error texts come from processors and exceptions: a NUL in one of them
        # must not fail the whole chunk's bookkeeping
        outcome = {
            "done": outcome["done"],
            "deferred": [(m, c, storable(t)) for m, c, t in outcome["deferred"]],
            "failed": [(m, c, storable(t), r) for m, c, t, r in outcome["failed"]],
        }
        notes = {msg_id: storable(text) for msg_id, text in notes.items()}
        outcome_of = {}
        done = outcome["done"]
        if done:
            cr.execute(
                """
                UPDATE integration_message
                   SET state = 'done',
                       processed_at = clock_timestamp() AT TIME ZONE 'UTC',
                       latency_ms = (extract(epoch FROM (
                                     clock_timestamp() AT TIME ZONE 'UTC'
                                     - received_at)) * 1000)::integer,
                       attempt_count = attempt_count + 1,
                       next_attempt_at = NULL, error_code = NULL, error_message = NULL
                 WHERE id = ANY(%s)
                """,
                [[m.id for m in done]],
            )
            outcome_of.update(dict.fromkeys((m.id for m in done), "done"))
        if links:
            self.env["integration.lineage"].create(
                [
                    {
                        "message_id": msg_id,
                        "res_model": model,
                        "res_id": res_id,
                        "action": action,
                    }
                    for msg_id, model, res_id, action in links
                ]
            )
        for message, code, text in outcome["deferred"]:
            cr.execute(
                "UPDATE integration_message SET state = 'deferred', error_code = %s, "
                "error_message = %s, attempt_count = attempt_count + 1 WHERE id = %s",
                [code, text, message.id],
            )
            outcome_of[message.id] = "deferred"
        retry, dead = [], []
        for message, code, text, retryable in outcome["failed"]:
            attempt = message.attempt_count + 1
            if retryable and attempt < message.flow_id.max_attempts:
                delay = message.flow_id._retry_delay(attempt)
                retry.append(
                    (message, fields.Datetime.now() + timedelta(seconds=delay))
                )
                state = "failed"
            else:
                dead.append(message)
                state = "dead"
            cr.execute(
                "UPDATE integration_message SET state = %s, error_code = %s, "
                "error_message = %s, attempt_count = attempt_count + 1 WHERE id = %s",
                [state, code, text, message.id],
            )
            outcome_of[message.id] = state
        if attempts:
            # what each attempt row keeps: the error, or a done message's notes
            errors = {
                message.id: (code, text)
                for message, code, text, *_rest in outcome["failed"]
                + outcome["deferred"]
            }
            errors.update(
                (msg_id, ("fields_ignored", text)) for msg_id, text in notes.items()
            )
            execute_values(
                cr._obj,
                "INSERT INTO integration_message_attempt (message_id, number, "
                "duration_ms, outcome, error_code, error_message, create_date, "
                "create_uid) VALUES %s",
                [
                    (
                        msg_id,
                        number,
                        round(duration, 3),
                        outcome_of[msg_id],
                        *errors.get(msg_id, (None, None)),
                        fields.Datetime.now(),
                        self.env.uid,
                    )
                    for msg_id, number, duration in attempts
                ],
            )
        self.invalidate_model()
        for message, eta in retry:
            message._enqueue(eta=eta)
            cr.execute(
                "UPDATE integration_message SET state = 'failed' WHERE id = %s",
                [message.id],
            )
        if dead:
            self.env["integration.exception"]._raise_for_dead_messages(
                self.browse([m.id for m in dead]).sudo()
            )
        if done:
            self.env["integration.exception"]._resolve_dead_letters(
                self.browse([m.id for m in done])
            )
        self.invalidate_model()

    # ------------------------------------------------------------------ replay
    def action_replay(self, force=False):
        """Process the messages again. A done message is replayed only when a
        manager forces it; processors upsert through the mapping, so even then no
        record is created twice."""
        if not self:
            return True
        done = self.filtered(lambda m: m.state == "done")
        if done and not force:
            raise UserError(
                _(
                    "%s message(s) were already processed. Only an integration manager "
                    "may force their replay."
                )
                % len(done)
            )
        if done and not self.env.user.has_group(
            "integration_queue.group_integration_manager"
        ):
            raise AccessError(
                _("Only an integration manager may replay a processed message.")
            )
        # sudo: replaying rewrites the hub's own bookkeeping, which users only read.
        messages = self.sudo()
        rejected = messages.filtered(lambda m: m.state == "rejected")
        for message in rejected:
            item = message._replay_item(self.env)
            errors, error_code = message.flow_id._item_errors(
                item, message.flow_version_id
            )
            if errors:
                message.write(
                    {
                        "validation_errors": json.dumps(errors),
                        "error_code": error_code,
                    }
                )
                rejected -= message
            elif item["raw"] != message.payload:
                message.payload = item["raw"]
        replayable = (
            messages - messages.filtered(lambda m: m.state == "rejected")
        ) | rejected
        if not replayable:
            raise UserError(
                _(
                    "The payload still cannot be read or does not match the flow's "
                    "schema."
                )
            )
        self.env.cr.execute(
            "UPDATE integration_message SET attempt_count = 0, "
            "replay_count = replay_count + 1, "
            "error_code = NULL, error_message = NULL, validation_errors = NULL, "
            "processed_at = NULL WHERE id = ANY(%s)",
            [replayable.ids],
        )
        replayable.invalidate_recordset()
        replayable._enqueue()
        return True

    def _replay_item(self, env):
        """The message as _ingest would see it again: a document (an XML body) is
        read anew by its flow's parser, run in ``env`` (the replaying user's)."""
        self.ensure_one()
        if not self.raw_body:
            payload = json.loads(self.payload)
            return {"payload": payload, "raw": self.payload}
        try:
            payload = self.flow_id._parse_document(
                encode_xml(self.raw_body), self.content_type, env
            )
        except IntegrationParseError as exc:
            return {"payload": None, "raw": None, "parse_error": (exc.code, str(exc))}
        return {"payload": payload, "raw": json.dumps(payload, ensure_ascii=False)}

    def _related_action_messages(self):
        """queue_job's related action: from a job to the messages it processes."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_queue.action_integration_message"
        )
        action["domain"] = [("id", "in", self.ids)]
        return action

    def action_force_replay(self):
        return self.action_replay(force=True)

    def action_view_records(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Records of %s") % self.name,
            "res_model": "integration.lineage",
            "view_mode": "list,form",
            "domain": [("message_id", "=", self.id)],
        }

    @api.model
    def _cron_release_deferred(self):
        """Deferred messages whose period opened again go back to the queue."""
        deferred = self.sudo().search([("state", "=", "deferred")], limit=5000)
        ready = deferred.filtered(lambda m: not m._still_frozen())
        if ready:
            ready._enqueue()
        return len(ready)

    def _still_frozen(self):
        self.ensure_one()
        try:
            self._check_period_open(json.loads(self.payload))
        except IntegrationDeferred:
            return True
        return False

    # ------------------------------------------------------------------ API view
    def _api_view(self):
        self.ensure_one()
        self.check_access("read")
        # sudo: the caller may read this message (checked above) but not the flow and
        # system records, nor the records in its lineage; the API shows their codes,
        # model, id and name only, as the message's own outcome.
        self = self.sudo()  # noqa: PLW0642
        lineage = self.lineage_ids
        return {
            "id": self.id,
            "flow": self.flow_id.code,
            "system": self.system_id.code,
            "idempotency_key": self.idempotency_key,
            "state": self.state,
            "content_type": self.content_type or "application/json",
            "attempts": self.attempt_count,
            "received_at": _iso(self.received_at),
            "event_time": _iso(self.event_time),
            "processed_at": _iso(self.processed_at),
            "next_attempt_at": _iso(self.next_attempt_at),
            "error": {"code": self.error_code, "message": self.error_message or None}
            if self.error_code
            else None,
            "validation_errors": json.loads(self.validation_errors)
            if self.validation_errors
            else [],
            "records": [
                {
                    "model": line.res_model,
                    "id": line.res_id,
                    "name": line.record_name,
                    "action": line.action,
                }
                for line in lineage
            ],
            "exceptions": [
                {"id": exc.id, "reason_code": exc.reason_code, "state": exc.state}
                for exc in self.exception_ids
            ],
        }
