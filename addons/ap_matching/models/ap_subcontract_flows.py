# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor

PAY_APP = "ap.subcontract.pay.app"


class ApSubcontractFlows(models.AbstractModel):
    """Processor of subcontractor pay applications from a subcontractor portal or
    a field platform: the application becomes a pay application on the
    subcontract, submitted for certification by the job's project manager. The
    system's service user prepared it, so it never certifies it."""

    _name = "ap.subcontract.flows"
    _description = "Subcontract Pay Application Flows"

    @api.model
    @integration_processor("subcontract_pay_app.submit")
    def _process_subcontract_pay_app_submit(self, message, payload):
        external_id = payload["external_id"]
        known = message.resolve(PAY_APP, external_id, required=False)
        if known and known.state != "rejected":
            # submitted once: it changes in Odoo now, with its certifier
            message.notes.append(
                f"Pay application {external_id!r} is {known.name} already: a "
                "submitted application is not changed from outside."
            )
            message.link(known, "linked")
            return known
        order = self._subcontract(message, payload["subcontract"])
        if known:
            # turned down by its certifier: the subcontractor's revision of it
            if known.order_id != order:
                raise IntegrationError(
                    f"Pay application {external_id!r} is {known.name}, on "
                    f"{known.order_id.name}: a revision stays on its subcontract.",
                    code="subcontract_mismatch",
                    retryable=False,
                )
            known.action_reset_draft()
            message.notes.append(f"{known.name} was rejected: revised and resubmitted.")
        app = message.upsert(
            PAY_APP,
            external_id,
            {
                "order_id": order.id,
                "period_end": payload["period_end"],
                "application_date": payload.get("application_date")
                or payload["period_end"],
                "vendor_reference": payload.get("vendor_reference"),
                "note": payload.get("note"),
                **(
                    {"period_start": payload["period_start"]}
                    if payload.get("period_start")
                    else {}
                ),
            },
        )
        by_item = {line.order_line_id.id: line for line in app.line_ids}
        claims = {}
        for claimed in payload["lines"]:
            if claimed["order_line_id"] not in by_item:
                raise IntegrationError(
                    f"Order line {claimed['order_line_id']} is not an item of "
                    f"{order.name}.",
                    code="unknown_order_line",
                    retryable=False,
                )
            claims[claimed["order_line_id"]] = claimed
        for item, line in by_item.items():
            # an item the application leaves out claims nothing (in a revision too)
            claimed = claims.get(item, {})
            vals = {
                "this_period": claimed.get("this_period", 0.0),
                "materials_stored": claimed.get("materials_stored", 0.0),
            }
            if any(line[key] != value for key, value in vals.items()):
                line.write(vals)
        app.action_submit()
        return app

    @api.model
    def _subcontract(self, message, reference):
        """The subcontract by this system's id, else by its Odoo reference."""
        order = message.resolve("purchase.order", reference, required=False)
        if not order:
            order = self.env["purchase.order"].search(
                [("name", "=", reference), ("is_subcontract", "=", True)], limit=1
            )
        if not order or not order.is_subcontract:
            raise IntegrationError(
                f"Subcontract {reference!r} is not known in Odoo (the message "
                "retries on its own).",
                code="unknown_subcontract",
            )
        if order.state not in ("purchase", "done"):
            raise IntegrationError(
                f"Subcontract {order.name} is not confirmed yet.",
                code="subcontract_not_confirmed",
            )
        return order
