# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import UTC, datetime

from odoo import api, models

from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor

from .maintenance_equipment import identity

EQUIPMENT = "maintenance.equipment"
ASSIGNMENT = "construction.equipment.assignment"


def utc(value):
    """An ISO 8601 timestamp as Odoo stores it: naive UTC (no zone means UTC)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


class ConstructionEquipmentFlows(models.AbstractModel):
    """Processors of the equipment flows (fleet lists from rental vendors, telematics
    portals or the field app; assignments from dispatch). They run as the system's
    service user; ids go through the hub's mapping."""

    _name = "construction.equipment.flows"
    _description = "Equipment Flows"

    @api.model
    @integration_processor("equipment.upsert")
    def _process_equipment_upsert(self, message, payload):
        Equipment = self.env[EQUIPMENT]
        vals = {"name": payload["name"]}
        for key, field in (
            ("equipment_number", "equipment_number"),
            ("ownership", "ownership"),
            ("rental_rate_basis", "rental_rate_basis"),
            ("rental_contract", "rental_contract_ref"),
        ):
            if key in payload:
                vals[field] = payload[key] or False
        for key, field in (
            ("oem_name", "oem_name"),
            ("model", "model"),
            ("serial_number", "serial_no"),
            ("pin", "pin"),
        ):
            # a placeholder says the sender does not know: it erases nothing
            value = identity(payload.get(key))
            if value:
                vals[field] = value
        if payload.get("vendor_external_id"):
            vals["partner_id"] = message.resolve(
                "res.partner", payload["vendor_external_id"]
            ).id
        if payload.get("category"):
            category = self.env["maintenance.equipment.category"].search(
                [
                    ("name", "=ilike", payload["category"]),
                    ("company_id", "in", [False, *self.env.companies.ids]),
                ],
                limit=1,
            )
            if category:
                vals["category_id"] = category.id
            else:
                message.notes.append(
                    f"Category {payload['category']!r} is not known in Odoo; the "
                    "machine is kept without one."
                )
        external_id = payload["external_id"]
        if not message.resolve(EQUIPMENT, external_id, required=False):
            # a machine Odoo knows by its PIN or OEM and serial (from telematics or
            # typed in) gets this system's id rather than a twin
            known = Equipment.browse()
            if vals.get("pin"):
                known = Equipment.search([("pin", "=", vals["pin"])], limit=1)
            if not known and vals.get("oem_name") and vals.get("serial_no"):
                known = Equipment.search(
                    [
                        ("oem_name", "=ilike", vals["oem_name"]),
                        ("serial_no", "=", vals["serial_no"]),
                    ],
                    limit=1,
                )
            mapping = self.env["integration.mapping"]
            other_id = known and mapping._external_id(message.system, known)
            if other_id:
                raise IntegrationError(
                    f"{known.display_name} (PIN or OEM and serial number sent) is "
                    f"{message.system.name}'s equipment {other_id!r} already; send "
                    "the machine under that id.",
                    code="equipment_known_under_other_id",
                    retryable=False,
                )
            if known:
                mapping._link(message.system, known, external_id, message.record)
                message.link(known, "linked")
            else:
                vals["company_id"] = message.system.company_id.id
        return message.upsert(EQUIPMENT, external_id, vals)

    @api.model
    def _operator(self, message, ref):
        employee = message.resolve("hr.employee", ref, required=False)
        if not employee:
            # sudo: the badge id is HR data a service user may not read; the lookup
            # only tells which employee of the system's companies carries it
            badge = (
                self.env["hr.employee"]
                .sudo()
                .search(
                    [
                        ("barcode", "=", ref),
                        ("company_id", "in", self.env.companies.ids),
                    ],
                    limit=1,
                )
            )
            employee = self.env["hr.employee"].browse(badge.id)
        if not employee:
            raise IntegrationError(
                f"Operator {ref!r} is not known in Odoo: map the employee for "
                f"{message.system.name} or give them this badge id (the message "
                "retries on its own).",
                code="unknown_operator",
            )
        return employee

    @api.model
    @integration_processor("equipment.assignment")
    def _process_equipment_assignment(self, message, payload):
        """Dispatch moves a machine to a job: the assignment it had until then ends
        when the new one starts."""
        sync = self.env["construction.sync.flows"]
        equipment = message.resolve(EQUIPMENT, payload["equipment_external_id"])
        job = message.resolve("project.project", payload["job_external_id"])
        start = utc(payload["start"])
        end = payload.get("end") and utc(payload["end"])
        vals = {
            "equipment_id": equipment.id,
            "job_id": job.id,
            "phase_id": sync._phase(job, payload.get("phase_code")).id,
            "cost_code_id": payload.get("cost_code")
            and sync._cost_code(message, payload).id,
            "employee_id": payload.get("operator_external_id")
            and self._operator(message, payload["operator_external_id"]).id,
            "date_start": start,
            "date_end": end or False,
            "note": payload.get("note"),
        }
        current = message.resolve(ASSIGNMENT, payload["external_id"], required=False)
        previous = self.env[ASSIGNMENT].search(
            [
                ("id", "!=", current.id),
                ("equipment_id", "=", equipment.id),
                ("date_end", "=", False),
                ("date_start", "<", start),
            ]
        )
        if previous:
            previous.write({"date_end": start})
            message.link(previous, "updated")
        return message.upsert(ASSIGNMENT, payload["external_id"], vals)
