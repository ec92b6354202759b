# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import json
import uuid

from odoo import _, api, models
from odoo.exceptions import AccessError

from ..lib import dry_run
from .base import _shown_value

STATUS_OF = {"done": 202, "deferred": 202, "failed": 202, "rejected": 422}


class _RollBack(Exception):
    """Ends the dry run's savepoint: everything it did is rolled back."""


class IntegrationDryRun(models.AbstractModel):
    """What a message would do, found by doing it in a savepoint rolled back.

    The whole pipeline runs as for a real message: the version's schema, its
    adapter, the freezes and lock dates, the flow's processor as the system's
    service user with its mappings and ownership rules. The recorder notes what was
    created and changed; then everything is rolled back, queue_job jobs, webhooks
    (outbox rows), mails and chatter included, and the cursor's commit hooks are
    put back as they were."""

    _name = "integration.dry.run"
    _description = "Integration Dry Run"

    @api.model
    def _run(self, system, flow, version, items):
        """One report per item (dicts as _ingest takes them), in order."""
        if not self.env.su and self.env.user != system.user_id:
            raise AccessError(
                _("Only %s's service user may try its messages.", system.name)
            )
        return [
            self._run_one(system, flow, version, item, index)
            for index, item in enumerate(items)
        ]

    def _run_one(self, system, flow, version, item, index):
        report = {
            "index": index,
            "idempotency_key": item.get("idempotency_key"),
            "flow": flow.code,
            "version": version.number,
            "records": [],
            "exceptions": [],
            "webhooks": [],
            "notes": [],
        }
        errors, error_code = flow._item_errors(item, version)
        if errors:
            report.update(
                outcome="rejected",
                status=422,
                error={"code": error_code, "message": None},
                validation_errors=errors,
            )
            return report
        cr = self.env.cr
        hooks = _save_hooks(cr)
        try:
            with contextlib.suppress(_RollBack), cr.savepoint():
                recorder = dry_run.start(cr)
                try:
                    report.update(self._process(system, flow, version, item, recorder))
                finally:
                    dry_run.stop(cr)
                raise _RollBack
        finally:
            # the savepoint's rollback cleared the ORM's caches with the data
            _restore_hooks(cr, hooks)
        return report

    def _process(self, system, flow, version, item, recorder):
        # sudo: the message is the hub's bookkeeping, made only to run the
        # processor as for real; it is rolled back with everything else
        message = (
            self.env["integration.message"]
            .sudo()
            .create(
                {
                    "system_id": system.id,
                    "flow_id": flow.id,
                    "flow_version_id": version.id,
                    "company_id": system.company_id.id,
                    "idempotency_key": f"dry-run-{uuid.uuid4()}",
                    "payload": item["raw"] or json.dumps(item["payload"]),
                    "event_time": item.get("event_time"),
                    "state": "queued",
                }
            )
        )
        # no mail goes out while the transaction is still open
        outcome, _links, _attempts, notes = message.with_context(
            mail_notify_force_send=False
        )._run_processors({}, {})
        result = {"notes": notes.get(message.id, "").splitlines() if notes else []}
        if outcome["deferred"]:
            _msg, code, text = outcome["deferred"][0]
            result.update(
                outcome="deferred",
                status=STATUS_OF["deferred"],
                error={"code": code, "message": text},
            )
            return result
        if outcome["failed"]:
            _msg, code, text, retryable = outcome["failed"][0]
            result.update(
                outcome="failed",
                status=STATUS_OF["failed"],
                error={"code": code, "message": text, "retryable": retryable},
            )
            if not retryable or flow.max_attempts <= 1:
                result["exceptions"] = [
                    {"reason_code": code, "name": text, "dead_letter": True}
                ]
            return result
        result.update(outcome="done", status=STATUS_OF["done"])
        result.update(self._changes(system, recorder, message._processing_env()))
        return result

    def _changes(self, system, recorder, env):
        """The records, exceptions and webhooks the recorder saw, read before the
        rollback: records as the system's service user may see them, the hub's
        bookkeeping in sudo (the caller's own message's)."""
        hub = self.sudo()
        created = {
            model: [res_id for (name, res_id) in recorder.created if name == model]
            for model in ("integration.mapping", "integration.exception")
        }
        external = {
            (mapping.res_model, mapping.res_id): mapping.external_id
            for mapping in hub.env["integration.mapping"].browse(
                created["integration.mapping"]
            )
        }
        records = []
        for (model, res_id), names in recorder.created.items():
            if model in dry_run.HUB_MODELS:
                continue
            record = env[model].browse(res_id)
            records.append(
                {
                    "model": model,
                    "action": "create",
                    "external_id": external.get((model, res_id)),
                    "values": {
                        name: _shown_value(record, name)
                        for name in sorted(names)
                        if name in record._fields
                    },
                }
            )
        for (model, res_id), before in recorder.old.items():
            if model in dry_run.HUB_MODELS:
                continue
            record = env[model].browse(res_id)
            changes = {}
            for name, old in before.items():
                new = _shown_value(record, name)
                if new != old:
                    changes[name] = {"old": old, "new": new}
            if not changes:
                continue
            mapping = hub.env["integration.mapping"].search(
                [
                    ("system_id", "=", system.id),
                    ("res_model", "=", model),
                    ("res_id", "=", res_id),
                ],
                limit=1,
            )
            records.append(
                {
                    "model": model,
                    "action": "update",
                    "id": res_id,
                    "external_id": mapping.external_id or None,
                    "changes": changes,
                }
            )
        exceptions = [
            {"reason_code": exc.reason_code, "name": exc.name, "dead_letter": False}
            for exc in hub.env["integration.exception"].browse(
                created["integration.exception"]
            )
        ]
        outbox_ids = [
            res_id
            for (name, res_id) in recorder.created
            if name == "integration.outbox"
        ]
        webhooks = [
            {"event_type": event.event_type, "system": event.system_id.code}
            for event in hub.env["integration.outbox"].browse(outbox_ids)
        ]
        return {"records": records, "exceptions": exceptions, "webhooks": webhooks}


def _save_hooks(cr):
    """The cursor's commit and rollback hooks, as a rolled back savepoint would
    lose them (precommit) or keep the dry run's (the others)."""
    return {
        name: (list(callbacks._funcs), {k: _copy(v) for k, v in callbacks.data.items()})
        for name in ("precommit", "postcommit", "prerollback", "postrollback")
        for callbacks in [getattr(cr, name)]
    }


def _restore_hooks(cr, saved):
    for name, (funcs, data) in saved.items():
        callbacks = getattr(cr, name)
        callbacks._funcs.clear()
        callbacks._funcs.extend(funcs)
        callbacks.data.clear()
        callbacks.data.update(data)


def _copy(value):
    return value.copy() if isinstance(value, dict | list | set) else value
