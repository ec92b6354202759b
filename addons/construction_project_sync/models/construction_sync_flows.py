# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import (
    integration_adapter,
    integration_processor,
)

# job.upsert v2's status words → the job's state
JOB_STATES_V2 = {
    "bidding": "bid",
    "awarded": "awarded",
    "in_progress": "active",
    "complete": "closed",
}


class ConstructionSyncFlows(models.AbstractModel):
    """Processors of the flows from the project-management platform. They run as the
    system's service user; ids go through the hub's mapping, writes through its
    ownership rules (the PM platform owns schedule and phases, Odoo the customer and
    the financial fields)."""

    _name = "construction.sync.flows"
    _description = "Construction Job Flows"

    @api.model
    def _job(self, message, external_id):
        return message.resolve("project.project", external_id)

    @api.model
    def _cost_code(self, message, payload_line):
        """A cost code by the system's external id, else by its code."""
        ref = payload_line["cost_code"]
        cost_code = message.resolve("construction.cost.code", ref, required=False)
        if not cost_code:
            cost_code = self.env["construction.cost.code"].search(
                [("code", "=", ref), ("company_id", "=", self.env.company.id)], limit=1
            )
        if not cost_code:
            raise IntegrationError(
                f"Cost code {ref!r} is not known in Odoo; send it with "
                "cost_code.upsert "
                "first (the message retries on its own).",
                code="unknown_cost_code",
            )
        return cost_code

    @api.model
    def _phase(self, job, code):
        if not code:
            return self.env["construction.phase"]
        phase = self.env["construction.phase"].search(
            [("job_id", "=", job.id), ("code", "=", code)], limit=1
        )
        if not phase:
            raise IntegrationError(
                f"Job {job.job_number} has no phase {code!r}; send it with "
                "phase.upsert "
                "first.",
                code="unknown_phase",
            )
        return phase

    @api.model
    @integration_processor("job.upsert")
    def _process_job_upsert(self, message, payload):
        vals = {
            "is_job": True,
            "name": payload["name"],
            "job_number": payload["job_number"],
        }
        for key in ("contract_value", "retention_percent", "job_state"):
            if key in payload:
                vals[key] = payload[key]
        for key in ("date_start", "date"):
            if payload.get(key):
                vals[key] = fields.Date.to_date(payload[key])
        if payload.get("customer_external_id"):
            vals["partner_id"] = message.resolve(
                "res.partner", payload["customer_external_id"]
            ).id
        return message.upsert("project.project", payload["external_id"], vals)

    @api.model
    @integration_adapter("job.upsert/v2")
    def _adapt_job_upsert_v2(self, payload):
        """Version 2 of job.upsert, the PM platform's job resource as it sends it
        (nested customer, contract and schedule, its own status words), read into
        version 1's payload: one processor serves both."""
        customer = payload.get("customer") or {}
        contract = payload.get("contract") or {}
        schedule = payload.get("schedule") or {}
        adapted = {
            "external_id": payload["id"],
            "job_number": payload["number"],
            "name": payload["name"],
        }
        optional = {
            "customer_external_id": customer.get("id"),
            "contract_value": contract.get("value"),
            "retention_percent": contract.get("retention_percent"),
            "job_state": JOB_STATES_V2.get(payload.get("status")),
            "date_start": schedule.get("start"),
            "date": schedule.get("finish"),
        }
        adapted.update(
            {key: value for key, value in optional.items() if value is not None}
        )
        return adapted

    @api.model
    @integration_processor("phase.upsert")
    def _process_phase_upsert(self, message, payload):
        job = self._job(message, payload["job_external_id"])
        vals = {
            "job_id": job.id,
            "code": payload["code"],
            "name": payload["name"],
        }
        for key in ("sequence", "percent_complete"):
            if key in payload:
                vals[key] = payload[key]
        for key in ("date_start", "date_end"):
            if key in payload:
                vals[key] = payload[key] and fields.Date.to_date(payload[key])
        return message.upsert("construction.phase", payload["external_id"], vals)

    @api.model
    @integration_processor("cost_code.upsert")
    def _process_cost_code_upsert(self, message, payload):
        vals = {
            "code": payload["code"],
            "name": payload["name"],
            "cost_type": payload.get("cost_type", "material"),
        }
        if payload.get("parent_code"):
            vals["parent_id"] = self._cost_code(
                message, {"cost_code": payload["parent_code"]}
            ).id
        external_id = payload.get("external_id") or payload["code"]
        existing = self.env["construction.cost.code"].search(
            [("code", "=", payload["code"]), ("company_id", "=", self.env.company.id)],
            limit=1,
        )
        mapping = self.env["integration.mapping"]
        if existing and not mapping._resolve(
            message.system, "construction.cost.code", external_id
        ):
            # the library already has this code (from another system or by hand):
            # link it rather than create a twin
            mapping._link(message.system, existing, external_id, message.record)
            message.link(existing, "linked")
        return message.upsert("construction.cost.code", external_id, vals)

    @api.model
    @integration_processor("budget.import")
    def _process_budget_import(self, message, payload):
        """An estimate becomes a draft budget version; a person approves it.
        Version 2 adds each line's budgeted labour hours (earned value's
        productivity)."""
        job = self._job(message, payload["job_external_id"])
        with_hours = message.contract_version >= 2
        lines = [
            {
                "phase_id": self._phase(job, line.get("phase_code")).id,
                "cost_code_id": (cost_code := self._cost_code(message, line)).id,
                "cost_type": line.get("cost_type") or cost_code.cost_type,
                "description": line.get("description"),
                "quantity": line.get("quantity", 1.0),
                "unit_cost": line.get("unit_cost", line.get("amount", 0.0)),
                **({"amount": line["amount"]} if "amount" in line else {}),
                **(
                    {"labor_hours": line["labor_hours"]}
                    if with_hours and "labor_hours" in line
                    else {}
                ),
            }
            for line in payload["lines"]
        ]
        budget = message.resolve(
            "construction.budget", payload["external_id"], required=False
        )
        if budget and budget.state != "draft":
            raise IntegrationError(
                f"Estimate {payload['external_id']!r} is budget v{budget.version} of "
                f"{job.display_name}, approved already; send a revised estimate "
                "under a "
                "new id.",
                code="budget_locked",
                retryable=False,
            )
        vals = {"job_id": job.id, "note": payload.get("note")}
        if budget:
            budget.line_ids.unlink()
        vals["line_ids"] = [(0, 0, line) for line in lines]
        return message.upsert("construction.budget", payload["external_id"], vals)

    @api.model
    def _change_order_figures_differ(self, change_order, vals, lines):
        """Whether the job, kind or cost and price lines sent differ from what
        ``change_order`` holds."""
        currency = change_order.currency_id

        def key(line):
            return (
                line["phase_id"] or False,
                line["cost_code_id"],
                line["cost_type"],
                currency.round(line["cost_amount"]),
                currency.round(line["price_amount"]),
            )

        held = sorted(
            key(
                {
                    "phase_id": line.phase_id.id,
                    "cost_code_id": line.cost_code_id.id,
                    "cost_type": line.cost_type,
                    "cost_amount": line.cost_amount,
                    "price_amount": line.price_amount,
                }
            )
            for line in change_order.line_ids
        )
        return (
            vals["job_id"] != change_order.job_id.id
            or vals["kind"] != change_order.kind
            or held != sorted(key(line) for line in lines)
        )

    @api.model
    def _report_change_under_review(self, message, change_order):
        text = (
            f"{message.system.name} sent new figures for {change_order.display_name} "
            "while it waits for approval; the approver still reviews the figures "
            "submitted. Reject it or send it back to draft, then replay the message "
            "to take the new figures."
        )
        message.report("change_order_under_review", text, change_order)

    @api.model
    @integration_processor("change_order.upsert")
    def _process_change_order_upsert(self, message, payload):
        """A change order from the PM platform lands as draft or pending; approval is
        a person's act in Odoo, so an incoming "approved" status means pending."""
        job = self._job(message, payload["job_external_id"])
        change_order = message.resolve(
            "construction.change.order", payload["external_id"], required=False
        )
        if change_order and change_order.state in ("approved", "rejected"):
            raise IntegrationError(
                f"Change order {change_order.display_name} is {change_order.state} in "
                "Odoo and cannot change any more.",
                code="change_order_closed",
                retryable=False,
            )
        lines = [
            {
                "phase_id": self._phase(job, line.get("phase_code")).id,
                "cost_code_id": (cost_code := self._cost_code(message, line)).id,
                "cost_type": line.get("cost_type") or cost_code.cost_type,
                "description": line.get("description"),
                "cost_amount": line.get("cost_amount", 0.0),
                "price_amount": line.get("price_amount", 0.0),
            }
            for line in payload["lines"]
        ]
        vals = {
            "job_id": job.id,
            "number": payload["number"],
            "name": payload["title"],
            "kind": payload.get("kind", "owner"),
            "reason": payload.get("reason"),
        }
        if change_order and change_order.state == "pending":
            # the approver reviews the figures they see: new ones never replace
            # them behind their back
            if self._change_order_figures_differ(change_order, vals, lines):
                self._report_change_under_review(message, change_order)
            vals = {key: vals[key] for key in ("name", "reason")}
        else:
            if change_order:
                change_order.line_ids.unlink()
            vals["line_ids"] = [(0, 0, line) for line in lines]
        change_order = message.upsert(
            "construction.change.order", payload["external_id"], vals
        )
        if (
            payload.get("status") in ("pending", "approved")
            and change_order.state == "draft"
        ):
            change_order.action_submit()
            if payload["status"] == "approved":
                message.notes.append(
                    f"{change_order.display_name} arrived as approved; it waits as "
                    "pending for approval in Odoo."
                )
        return change_order
