# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from odoo.addons.integration_queue.lib.datetimes import naive_utc
from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor

from .maintenance_equipment import identity

FUEL = "construction.equipment.fuel"


class ConstructionEquipmentFlows(models.AbstractModel):
    _inherit = "construction.equipment.flows"

    @api.model
    @integration_processor("fuel.transaction")
    def _process_fuel_transaction(self, message, payload):
        """A fuel card or yard tank transaction: stored once per transaction id of
        the system (sent again, under any key, it changes nothing), on the job the
        sender names or the machine's assignment at the time."""
        ref = str(payload["transaction_id"])
        known = message.resolve(FUEL, ref, required=False)
        if known:
            message.link(known, "linked")
            message.notes.append(
                f"Fuel transaction {ref} is stored already; kept as first received."
            )
            return known
        machine = self._fuel_machine(message, payload)
        when = naive_utc(payload["datetime"].removesuffix("Z"))
        currency = self.env["res.currency"].search(
            [("name", "=", payload["currency"].upper())], limit=1
        )
        if not currency:
            raise IntegrationError(
                f"Currency {payload['currency']!r} is not known in Odoo.",
                code="unknown_currency",
                retryable=False,
            )
        assignment = machine._assignment_at(when)
        job = assignment.job_id
        if payload.get("job_external_id"):
            job = message.resolve("project.project", payload["job_external_id"])
        cost_code = self.env["construction.cost.code"]
        if payload.get("cost_code"):
            cost_code = self.env["construction.sync.flows"]._cost_code(message, payload)
        elif job == assignment.job_id:
            cost_code = assignment.cost_code_id
        fuel = message.upsert(
            FUEL,
            ref,
            {
                "transaction_ref": ref,
                "system_id": message.system.id,
                "equipment_id": machine.id,
                "company_id": (job.company_id or machine.company_id).id
                or message.system.company_id.id,
                "transaction_datetime": when,
                "litres": payload["litres"],
                "amount": payload["amount"],
                "currency_id": currency.id,
                "location": payload.get("location") or False,
                "assignment_id": assignment.id if job == assignment.job_id else False,
                "job_id": job.id,
                "cost_code_id": cost_code.id,
            },
        )
        if not job:
            message.report(
                "fuel_unassigned",
                f"{machine.display_name} took {payload['litres']:g} l of fuel "
                f"({ref}) at {when} UTC where nobody assigned it to a job: assign "
                "the machine or the fuel is not costed.",
                fuel,
            )
        return fuel

    @api.model
    def _fuel_machine(self, message, payload):
        """The machine by its equipment number in the system's companies, the
        system's equipment id, or its telematics identity (PIN, OEM and serial).
        A fuel card never creates a machine."""
        Equipment = self.env["maintenance.equipment"]
        machine = Equipment.browse()
        number = identity(payload.get("equipment_number"))
        if number:
            machine = Equipment.search(
                [
                    ("equipment_number", "=", number),
                    ("company_id", "in", [False, *self.env.companies.ids]),
                ],
                limit=1,
            )
        if not machine and payload.get("equipment_external_id"):
            machine = message.resolve(
                "maintenance.equipment", payload["equipment_external_id"], False
            )
        pin = identity(payload.get("pin"))
        if not machine and pin:
            machine = Equipment.search([("pin", "=", pin)], limit=1)
        oem, serial = (
            identity(payload.get("oem_name")),
            identity(payload.get("serial_number")),
        )
        if not machine and oem and serial:
            machine = Equipment.search(
                [("oem_name", "=ilike", oem), ("serial_no", "=", serial)], limit=1
            )
        if not machine:
            raise IntegrationError(
                f"Fuel transaction {payload['transaction_id']} names a machine Odoo "
                "does not know (equipment number, equipment id, PIN or OEM and "
                "serial number); add the machine (the message retries on its own).",
                code="unknown_equipment",
            )
        return machine
