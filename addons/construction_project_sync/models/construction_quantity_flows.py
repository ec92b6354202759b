# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import Counter

from odoo import api, fields, models
from odoo.tools import float_compare

from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor

# a quantity to date this many times the previous one is flagged
JUMP = 5


class ConstructionQuantityFlows(models.AbstractModel):
    """Processor of the field's installed quantities (flow progress.quantities)."""

    _name = "construction.quantity.flows"
    _description = "Installed Quantity Flows"

    @api.model
    def _unit(self, name, budget_unit, cost_code):
        """The reported unit, which must be of the budget unit's kind (m and km,
        not m and m³); None when the report names none."""
        if not name:
            return None
        unit = self.env["uom.uom"].search([("name", "=ilike", name)], limit=1)
        if not unit:
            raise IntegrationError(
                f"Unit {name!r} of cost code {cost_code.code} is not known in Odoo.",
                code="unknown_unit",
                retryable=False,
            )
        if budget_unit and unit.category_id != budget_unit.category_id:
            raise IntegrationError(
                f"Cost code {cost_code.code} is budgeted in {budget_unit.name}; a "
                f"quantity in {unit.name} cannot be converted to it.",
                code="unit_mismatch",
                retryable=False,
            )
        return unit

    @api.model
    @integration_processor("progress.quantities")
    def _process_progress_quantities(self, message, payload):
        """Quantities are cumulative (installed to date), one record per job ×
        cost code × day: a resent or replayed report writes the same figures
        again, a late report for an earlier day fills that day only, and a new
        figure for a day already reported corrects it (noted on the message)."""
        job = self.env["construction.sov.flows"]._job(message, payload)
        day = fields.Date.to_date(payload["report_date"])
        lines = payload["lines"]
        twice = [
            code
            for code, count in Counter(li["cost_code"] for li in lines).items()
            if count > 1
        ]
        if twice:
            raise IntegrationError(
                f"The report names cost code {', '.join(twice)} more than once; "
                "send one cumulative quantity per cost code.",
                code="duplicate_line",
                retryable=False,
            )
        sync = self.env["construction.sync.flows"]
        cost_codes = {li["cost_code"]: sync._cost_code(message, li) for li in lines}
        Quantity = self.env["construction.installed.quantity"]
        budget_units = Quantity._budget_units(
            job, self.env["construction.cost.code"].union(*cost_codes.values())
        )
        existing = {
            record.cost_code_id.id: record
            for record in Quantity.search(
                [
                    ("job_id", "=", job.id),
                    ("date", "=", day),
                    ("cost_code_id", "in", [cc.id for cc in cost_codes.values()]),
                ]
            )
        }
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        to_create = []
        for line in lines:
            cost_code = cost_codes[line["cost_code"]]
            budget_unit = budget_units.get(cost_code.id)
            unit = self._unit(line.get("uom"), budget_unit, cost_code)
            quantity = line["quantity_to_date"]
            if unit and budget_unit and unit != budget_unit:
                quantity = unit._compute_quantity(quantity, budget_unit, round=False)
            vals = {
                "quantity_to_date": quantity,
                "uom_id": (budget_unit or unit or self.env["uom.uom"]).id,
                "note": line.get("note") or False,
            }
            record = existing.get(cost_code.id)
            if not record:
                to_create.append(
                    dict(vals, job_id=job.id, cost_code_id=cost_code.id, date=day)
                )
                continue
            if float_compare(
                record.quantity_to_date, quantity, precision_digits=digits
            ):
                message.notes.append(
                    f"{cost_code.code} to {day}: {record.quantity_to_date:g} "
                    f"corrected to {quantity:g}."
                )
            record.write(vals)
            message.link(record, "updated")
        created = Quantity.create(to_create)
        message.link(created, "created")
        self._flag_quantity_jumps(message, job, day, list(cost_codes.values()))
        return []

    @api.model
    def _flag_quantity_jumps(self, message, job, day, cost_codes):
        """A quantity to date JUMP times the one measured before (2,400 m of pipe
        after 200: a decimal point in the wrong place, a unit mixed up) is taken as
        reported, and opens an exception with both figures: earned value and
        percent complete read it until someone corrects it."""
        Quantity = self.env["construction.installed.quantity"]
        ids = [cost_code.id for cost_code in cost_codes]
        reported = {
            record.cost_code_id: record
            for record in Quantity.search(
                [
                    ("job_id", "=", job.id),
                    ("date", "=", day),
                    ("cost_code_id", "in", ids),
                ]
            )
        }
        before = {}
        for record in Quantity.search(
            [("job_id", "=", job.id), ("date", "<", day), ("cost_code_id", "in", ids)],
            order="date desc",
        ):
            before.setdefault(record.cost_code_id, record)
        jumps = []
        for cost_code, record in reported.items():
            previous = before.get(cost_code)
            if not previous or previous.quantity_to_date <= 0:
                continue
            ratio = record.quantity_to_date / previous.quantity_to_date
            if ratio < JUMP:
                continue
            name = (
                f"{job.display_name} / {cost_code.code}: {record.quantity_to_date:g} "
                f"{record.uom_id.name or ''} to {day}"
            )
            jumps.append((record, previous, ratio, name))
        if not jumps:
            return
        # sudo: the hub's own bookkeeping, raised whoever reports the quantities
        Exceptions = self.env["integration.exception"].sudo()
        raised = set(
            Exceptions.search(
                [
                    ("reason_code", "=", "anomaly_quantity_jump"),
                    ("name", "in", [jump[3] for jump in jumps]),
                    ("state", "in", ("open", "in_progress")),
                ]
            ).mapped("name")
        )
        for record, previous, ratio, name in jumps:
            if name in raised:
                continue
            Exceptions._raise(
                "anomaly_quantity_jump",
                f"{name}\n"
                f"{ratio:.1f}× the {previous.quantity_to_date:g} measured on "
                f"{previous.date} (at least {JUMP}× is implausible in one report): a "
                "misplaced decimal point or another unit? The figure stands (earned "
                "value reads it) until the field sends the right one.",
                message=message.record,
                record=record,
                company=job.company_id,
            )
