# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor

REQUEST = "purchase.request"


class ConstructionMaterialRequestFlows(models.AbstractModel):
    """Processor of material requests from site: the field app's request becomes
    a purchase request on the job, submitted for approval. The site submits, so the
    service user is its preparer: people approve it."""

    _name = "construction.material.request.flows"
    _description = "Material Request Flows"

    @api.model
    @integration_processor("material_request.submit")
    def _process_material_request_submit(self, message, payload):
        external_id = payload["external_id"]
        known = message.resolve(REQUEST, external_id, required=False)
        if known:
            # a request once submitted changes in Odoo, with its approvers
            message.notes.append(
                f"Material request {external_id!r} is {known.name} already: a "
                "submitted request is not changed from the field."
            )
            message.link(known, "linked")
            return known
        jobs = self.env["construction.sync.flows"]
        job = jobs._job(message, payload["job_external_id"])
        cost_code = jobs._cost_code(message, payload)
        lines = [
            self._request_line(message, jobs, line, payload)
            for line in payload["lines"]
        ]
        vals = {
            "job_id": job.id,
            "company_id": job.company_id.id or self.env.company.id,
            "cost_code_id": cost_code.id,
            "phase_id": jobs._phase(job, payload.get("phase_code")).id,
            "date_needed": payload.get("needed_by") or False,
            "delivery_location": payload.get("delivery_location"),
            "description": payload.get("description")
            or (payload.get("requested_by") and f"From {payload['requested_by']}"),
            "origin": message.system.name,
            "line_ids": [(0, 0, line) for line in lines],
        }
        request = message.upsert(REQUEST, external_id, vals)
        request.button_to_approve()
        return request

    @api.model
    def _request_line(self, message, jobs, line, payload):
        vals = {
            "product_qty": line["quantity"],
            "estimated_cost": line.get("estimated_price", 0.0) * line["quantity"],
            "name": line.get("description"),
        }
        needed_by = line.get("needed_by") or payload.get("needed_by")
        if needed_by:
            vals["date_required"] = needed_by
        if line.get("cost_code"):
            vals["cost_code_id"] = jobs._cost_code(message, line).id
        if line.get("product_code"):
            product = self.env["product.product"].search(
                [("default_code", "=", line["product_code"])], limit=1
            )
            if not product:
                # kept as free text: purchasing chooses the product
                message.notes.append(
                    f"Product {line['product_code']!r} is not known in Odoo: the "
                    "line is kept as text for purchasing to choose one."
                )
                vals["name"] = vals["name"] or line["product_code"]
            else:
                vals["product_id"] = product.id
                vals["name"] = vals["name"] or product.display_name
                vals["product_uom_id"] = product.uom_po_id.id or product.uom_id.id
        if line.get("uom"):
            uom = self.env["uom.uom"].search([("name", "=ilike", line["uom"])], limit=1)
            if not uom:
                raise IntegrationError(
                    f"Unit {line['uom']!r} is not known in Odoo.",
                    code="unknown_unit",
                    retryable=False,
                )
            vals["product_uom_id"] = uom.id
        if not vals["name"]:
            raise IntegrationError(
                "A line names neither a product nor a description.",
                code="invalid_line",
                retryable=False,
            )
        return vals
