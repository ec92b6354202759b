# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import time
import uuid
from datetime import timedelta

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.backoff import retry_delay
from ..lib.signature import sign


class IntegrationOutbox(models.Model):
    """An event to deliver: written in the business transaction, sent by a job,
    retried with backoff, never discarded."""

    _name = "integration.outbox"
    _description = "Outbound Webhook Event"
    _order = "id desc"
    _rec_name = "event_type"

    event_id = fields.Char(
        required=True, default=lambda self: str(uuid.uuid4()), index=True, copy=False
    )
    event_type = fields.Char(required=True, index=True)
    subscription_id = fields.Many2one(
        "integration.webhook.subscription",
        required=True,
        ondelete="restrict",
        index=True,
    )
    system_id = fields.Many2one(related="subscription_id.system_id", store=True)
    company_id = fields.Many2one(related="subscription_id.company_id", store=True)
    res_model = fields.Char(string="Model")
    res_id = fields.Many2oneReference(string="Record", model_field="res_model")
    data = fields.Text(required=True, help="The event's data, JSON.")
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("delivered", "Delivered"),
            ("retrying", "Retrying"),
            ("failed", "Failed (awaiting redelivery)"),
        ],
        default="pending",
        required=True,
        index=True,
    )
    attempt_count = fields.Integer()
    next_attempt_at = fields.Datetime()
    delivered_at = fields.Datetime()
    last_status_code = fields.Integer()
    last_error = fields.Text()
    attempt_ids = fields.One2many("integration.outbox.attempt", "outbox_id")

    @api.model
    def _emit(self, event_type, record=None, data=None, company=None):
        """Record ``event_type`` for every subscription that wants it, in the
        caller's transaction; the delivery jobs commit with it or not at all."""
        company = (
            company
            or (record and "company_id" in record._fields and record.company_id)
            or self.env.company
        )
        # sudo: a business user approving a change order may not read subscriptions
        # (they hold secrets); emitting only queues the event for them.
        subscriptions = (
            self.env["integration.webhook.subscription"]
            .sudo()
            .search([("company_id", "=", company.id), ("system_id.active", "=", True)])
            .filtered(lambda s: s._matches(event_type))
        )
        if not subscriptions:
            return self.browse()
        payload = json.dumps(data if data is not None else {}, default=str)
        events = self.sudo().create(
            [
                {
                    "event_type": event_type,
                    "subscription_id": subscription.id,
                    "res_model": record._name if record else False,
                    "res_id": record.id if record else False,
                    "data": payload,
                }
                for subscription in subscriptions
            ]
        )
        for event in events:
            event.with_delay(
                channel="root.integration.webhook",
                description=_("Deliver %s") % event_type,
            )._deliver()
        return events

    def _cloudevent(self):
        self.ensure_one()
        return {
            "specversion": "1.0",
            "id": self.event_id,
            "source": f"odoo://{self.env.cr.dbname}/{self.res_model or 'integration'}",
            "type": self.event_type,
            "subject": f"{self.res_model},{self.res_id}" if self.res_model else None,
            "time": (self.create_date or fields.Datetime.now()).isoformat() + "Z",
            "datacontenttype": "application/json",
            "data": json.loads(self.data),
        }

    def _deliver(self):
        """Job: POST the event once; schedule the next attempt on failure."""
        for event in self.sudo():
            if event.state == "delivered":
                continue
            subscription = event.subscription_id
            body = json.dumps(event._cloudevent(), separators=(",", ":"))
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/cloudevents+json",
                "webhook-id": event.event_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(
                    subscription.secret, event.event_id, timestamp, body
                ),
                "User-Agent": "odoo-construction-hub/1",
            }
            started = time.perf_counter()
            status, error, response_text = None, None, None
            try:
                response = requests.post(
                    subscription.url,
                    data=body.encode(),
                    headers=headers,
                    timeout=subscription.timeout,
                )
                status, response_text = response.status_code, response.text[:2000]
                if not 200 <= status < 300:
                    error = _("The receiver answered HTTP %s.") % status
            except requests.RequestException as exc:
                error = _("The receiver could not be reached: %s") % exc
            event._log_attempt(status, error, response_text, started)

    def _log_attempt(self, status, error, response_text, started):
        self.ensure_one()
        attempt = self.attempt_count + 1
        self.env["integration.outbox.attempt"].create(
            {
                "outbox_id": self.id,
                "number": attempt,
                "status_code": status or 0,
                "duration_ms": (time.perf_counter() - started) * 1000,
                "error": error,
                "response_body": response_text,
            }
        )
        vals = {
            "attempt_count": attempt,
            "last_status_code": status or 0,
            "last_error": error,
        }
        if not error:
            vals.update(
                state="delivered",
                delivered_at=fields.Datetime.now(),
                next_attempt_at=False,
            )
        elif attempt < self.subscription_id.max_attempts:
            eta = fields.Datetime.now() + timedelta(
                seconds=retry_delay(attempt, base=30, cap=6 * 3600)
            )
            vals.update(state="retrying", next_attempt_at=eta)
            self.with_delay(
                channel="root.integration.webhook",
                eta=eta,
                description=_("Redeliver %s") % self.event_type,
            )._deliver()
        else:
            vals.update(state="failed", next_attempt_at=False)
        self.write(vals)

    def action_redeliver(self):
        pending = self.filtered(lambda e: e.state != "delivered")
        if not pending:
            raise UserError(_("These events were delivered already."))
        # sudo: delivery bookkeeping is the hub's own (users only read the outbox)
        pending.sudo().write({"state": "pending", "attempt_count": 0})
        for event in pending:
            event.with_delay(channel="root.integration.webhook")._deliver()
