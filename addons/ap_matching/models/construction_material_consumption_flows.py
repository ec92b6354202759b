# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models
from odoo.tools import float_compare

from odoo.addons.integration_queue.lib.datetimes import naive_utc
from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor

CONSUMPTION = "construction.material.consumption"


class ConstructionMaterialConsumptionFlows(models.AbstractModel):
    """Processor of material consumption: the field used parts from a van or site
    on a job's work order. Stock leaves that location for job consumption (never
    below what it holds), valued at the product's cost, and the value is posted to
    job cost as material. The report's id is mapped to the consumption it made, so
    the same report sent again moves stock once."""

    _name = "construction.material.consumption.flows"
    _description = "Material Consumption Flows"

    @api.model
    @integration_processor("material.consumed")
    def _process_material_consumed(self, message, payload):
        external_id = payload["external_id"]
        known = self._recorded_already(message, external_id)
        if known:
            return known
        jobs = self.env["construction.sync.flows"]
        job = jobs._job(message, payload["job_external_id"])
        task = self.env["project.task"]
        if payload.get("work_order_external_id"):
            task = message.resolve("project.task", payload["work_order_external_id"])
            if task.project_id != job:
                raise IntegrationError(
                    _(
                        "Work order %(ref)s belongs to job %(other)s, not to %(job)s.",
                        ref=payload["work_order_external_id"],
                        other=task.project_id.display_name,
                        job=job.display_name,
                    ),
                    code="work_order_not_on_job",
                    retryable=False,
                )
        cost_code = (
            jobs._cost_code(message, payload)
            if payload.get("cost_code")
            else task.cost_code_id
        )
        product = self._product(payload["product_code"], job.company_id)
        uom = self._uom(payload.get("uom"), product)
        location = self._location(message, payload["location_external_id"], job)
        self._check_on_hand(product, location, uom, payload["quantity"])
        consumed_at = naive_utc(payload["consumed_at"]).replace(microsecond=0)
        consumption = self.env[CONSUMPTION]._consume(
            {
                "external_id": external_id,
                "system": message.system,
                "message": message.record,
                "job": job,
                "task": task,
                "cost_code": cost_code,
                "product": product,
                "quantity": payload["quantity"],
                "uom": uom,
                "location": location,
                "consumed_at": consumed_at,
                "date": consumed_at.date(),
                "note": payload.get("note"),
            }
        )
        return self._keep(message, consumption, external_id)

    @api.model
    @integration_processor("material.returned")
    def _process_material_returned(self, message, payload):
        """Material the field took back from a job to a van or site: a return of
        the consumption report it names (its stock move, its job cost share)."""
        external_id = payload["external_id"]
        known = self._recorded_already(message, external_id)
        if known:
            return known
        # not known yet: retried, so a return that overtook its report waits for it
        consumption = message.resolve(CONSUMPTION, payload["consumption_external_id"])
        if consumption.returned_consumption_id:
            raise IntegrationError(
                _(
                    "%r is a return itself: name the consumption report the "
                    "material was used on.",
                    payload["consumption_external_id"],
                ),
                code="not_a_consumption",
                retryable=False,
            )
        product = consumption.product_id
        uom = self._uom(payload.get("uom"), product)
        wanted = uom._compute_quantity(payload["quantity"], product.uom_id)
        left = consumption._returnable_qty()
        if float_compare(wanted, left, precision_rounding=product.uom_id.rounding) > 0:
            raise IntegrationError(
                _(
                    "%(wanted)s %(unit)s of %(product)s cannot come back from "
                    "%(job)s: %(left)s %(unit)s of that report are left to return.",
                    wanted=f"{wanted:g}",
                    left=f"{left:g}",
                    unit=product.uom_id.name,
                    product=product.display_name,
                    job=consumption.job_id.display_name,
                ),
                code="return_exceeds_consumed",
                retryable=False,
            )
        location = (
            self._location(message, payload["location_external_id"], consumption.job_id)
            if payload.get("location_external_id")
            else consumption.location_id
        )
        returned_at = naive_utc(payload["returned_at"]).replace(microsecond=0)
        returned = consumption._return(
            {
                "external_id": external_id,
                "system": message.system,
                "message": message.record,
                "quantity": payload["quantity"],
                "uom": uom,
                "location": location,
                "returned_at": returned_at,
                "date": returned_at.date(),
                "note": payload.get("note"),
            }
        )
        return self._keep(message, returned, external_id)

    @api.model
    def _recorded_already(self, message, external_id):
        """The consumption or return a report made before, linked to the message
        (the same report sent again moves stock once), or None."""
        known = message.resolve(CONSUMPTION, external_id, required=False)
        if not known:
            return None
        message.notes.append(
            _(
                "%(ref)r was recorded already (%(name)s): stock moves once.",
                ref=external_id,
                name=known.display_name,
            )
        )
        message.link(known, "linked")
        return known

    @api.model
    def _keep(self, message, record, external_id):
        """Map the report's id to the record it made (so it moves stock once) and
        link the record and its stock move to the message."""
        self.env["integration.mapping"]._link(
            message.system, record, external_id, message.record
        )
        message.link(record, "created")
        message.link(record.stock_move_id, "created")
        return record

    @api.model
    def _product(self, code, company):
        product = self.env["product.product"].search(
            [
                ("default_code", "=", code),
                ("company_id", "in", [company.id, False]),
            ],
            limit=1,
        )
        if not product:
            raise IntegrationError(
                _(
                    "Item %r is not known in Odoo: create the product (or correct "
                    "the field's item code), then replay the message.",
                    code,
                ),
                code="unknown_product",
                retryable=False,
            )
        if not product.is_storable:
            raise IntegrationError(
                _(
                    "%s is not tracked in inventory: nothing can be taken from a "
                    "van's stock. Bill it to the job on a purchase order instead.",
                    product.display_name,
                ),
                code="product_not_stocked",
                retryable=False,
            )
        if product.tracking != "none":
            raise IntegrationError(
                _(
                    "%s is tracked by lot or serial number: record its consumption "
                    "in Odoo, where the numbers are entered.",
                    product.display_name,
                ),
                code="tracked_product",
                retryable=False,
            )
        return product

    @api.model
    def _uom(self, name, product):
        if not name:
            return product.uom_id
        uom = self.env["uom.uom"].search([("name", "=ilike", name)], limit=1)
        if not uom or uom.category_id != product.uom_id.category_id:
            raise IntegrationError(
                _(
                    "Unit %(unit)r is unknown in Odoo or cannot measure %(product)s "
                    "(counted in %(own)s).",
                    unit=name,
                    product=product.display_name,
                    own=product.uom_id.name,
                ),
                code="unknown_unit",
                retryable=False,
            )
        return uom

    @api.model
    def _location(self, message, ref, job):
        """A van or site: the system's mapping, else the location's barcode."""
        location = message.resolve("stock.location", ref, required=False)
        if not location:
            location = self.env["stock.location"].search(
                [
                    ("barcode", "=", ref),
                    ("company_id", "in", [job.company_id.id, False]),
                ],
                limit=1,
            )
        if not location:
            raise IntegrationError(
                _(
                    "Van or site %r is not known in Odoo: map it to a stock "
                    "location (Integration → Mappings) or give the location that "
                    "barcode, then replay the message.",
                    ref,
                ),
                code="unknown_location",
                retryable=False,
            )
        if location.usage != "internal" or location.company_id != job.company_id:
            raise IntegrationError(
                _(
                    "%(location)s is not a stock location of %(company)s: material "
                    "is consumed from the company's own vans and sites.",
                    location=location.display_name,
                    company=job.company_id.name,
                ),
                code="location_not_internal",
                retryable=False,
            )
        return location

    @api.model
    def _check_on_hand(self, product, location, uom, quantity):
        """A quantity the location does not hold is an exception, never negative
        stock: the van's count is wrong, or the material came from elsewhere."""
        available = self.env["stock.quant"]._get_available_quantity(product, location)
        wanted = uom._compute_quantity(quantity, product.uom_id)
        if (
            float_compare(wanted, available, precision_rounding=product.uom_id.rounding)
            > 0
        ):
            raise IntegrationError(
                _(
                    "%(location)s holds %(available)s %(unit)s of %(product)s, not "
                    "the %(wanted)s %(unit)s reported as consumed: nothing was "
                    "moved. Count the van (or receive what it got), then replay the "
                    "message.",
                    location=location.display_name,
                    available=f"{available:g}",
                    unit=product.uom_id.name,
                    product=product.display_name,
                    wanted=f"{wanted:g}",
                ),
                code="insufficient_stock",
                retryable=False,
            )

    @api.model
    @integration_processor("material.demand")
    def _process_material_demand(self, message, payload):
        """Material a work order will need from a van or site: what the location
        does not hold (on hand less reserved) becomes a material request on the job,
        submitted for approval; what it holds needs nothing."""
        external_id = payload["external_id"]
        known = message.resolve("purchase.request", external_id, required=False)
        if known:
            message.notes.append(
                _(
                    "Demand %(ref)r became %(name)s already: a submitted request is "
                    "not changed from the field.",
                    ref=external_id,
                    name=known.name,
                )
            )
            message.link(known, "linked")
            return known
        jobs = self.env["construction.sync.flows"]
        job = jobs._job(message, payload["job_external_id"])
        task = self.env["project.task"]
        if payload.get("work_order_external_id"):
            task = message.resolve("project.task", payload["work_order_external_id"])
        cost_code = (
            jobs._cost_code(message, payload)
            if payload.get("cost_code")
            else task.cost_code_id
        )
        if not cost_code:
            raise IntegrationError(
                _("A material request needs a cost code: the demand names none."),
                code="cost_code_required",
                retryable=False,
            )
        location = self._location(message, payload["location_external_id"], job)
        Quant = self.env["stock.quant"]
        lines, covered = [], []
        for line in payload["lines"]:
            product = self._product(line["product_code"], job.company_id)
            uom = self._uom(line.get("uom"), product)
            wanted = uom._compute_quantity(line["quantity"], product.uom_id)
            held = Quant._get_available_quantity(product, location)
            short = wanted - max(held, 0.0)
            if (
                float_compare(short, 0.0, precision_rounding=product.uom_id.rounding)
                <= 0
            ):
                covered.append(product.display_name)
                continue
            lines.append(
                {
                    "product_id": product.id,
                    "name": product.display_name,
                    "product_qty": short,
                    "product_uom_id": product.uom_id.id,
                    "estimated_cost": short * product.standard_price,
                    "date_required": payload.get("needed_by") or False,
                }
            )
        if covered:
            message.notes.append(
                _(
                    "%(location)s holds what is needed of %(products)s.",
                    location=location.display_name,
                    products=", ".join(covered),
                )
            )
        if not lines:
            return []
        request = message.upsert(
            "purchase.request",
            external_id,
            {
                "job_id": job.id,
                "company_id": job.company_id.id,
                "cost_code_id": cost_code.id,
                "date_needed": payload.get("needed_by") or False,
                "delivery_location": location.display_name,
                "description": _(
                    "Beyond the stock of %(location)s%(order)s",
                    location=location.display_name,
                    order=f" for {task.name}" if task else "",
                ),
                "origin": message.system.name,
                "line_ids": [(0, 0, vals) for vals in lines],
            },
        )
        request.button_to_approve()
        return request
