# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

# what telematics feeds send when they do not know a header field (ISO 15143-3
# portals and aggregators): none of these names a machine
PLACEHOLDERS = {"", "missing", "n/a", "na", "none", "null", "unknown", "-"}


def identity(value):
    """``value`` as an identity, or None for an empty or placeholder value."""
    if value is None:
        return None
    value = str(value).strip()
    if value.lower() in PLACEHOLDERS or set(value) <= {"0"}:
        return None
    return value


class MaintenanceEquipment(models.Model):
    """A machine of the fleet, whichever system names it: its telematics identity
    (PIN, OEM and serial) lives here, the ids other systems give it in the hub's
    mapping."""

    _inherit = "maintenance.equipment"

    equipment_number = fields.Char(index=True, copy=False, tracking=True)
    ownership = fields.Selection(
        [("owned", "Owned"), ("rented", "Rented"), ("leased", "Leased")],
        required=True,
        default="owned",
        tracking=True,
    )
    rental_rate_basis = fields.Selection(
        [
            ("hour", "Per Hour"),
            ("day", "Per Day"),
            ("week", "Per Week"),
            ("month", "Per Month"),
        ],
        help="How the rental vendor charges the machine; the costing uses the rate "
        "of this kind.",
    )
    rental_contract_ref = fields.Char(string="Rental Contract", tracking=True)
    oem_name = fields.Char(string="OEM", help="Manufacturer, as telematics names it.")
    pin = fields.Char(
        string="PIN",
        index="btree_not_null",
        copy=False,
        help="Product identification number (ISO 10261): the identity telematics "
        "matches first.",
    )
    created_from_telematics = fields.Boolean(
        copy=False,
        tracking=True,
        help="Created by a telematics feed that named a machine nobody knew; a person "
        "checks it (is it a machine we already have under another name?) and clears "
        "the flag.",
    )
    recovery_analytic_account_id = fields.Many2one(
        "account.analytic.account",
        string="Owning Yard / Department",
        help="Analytic account credited with what jobs are charged for this owned "
        "machine (internal chargeback); empty: the company's equipment recovery "
        "account.",
    )
    rate_ids = fields.One2many("construction.equipment.rate", "equipment_id")
    assignment_ids = fields.One2many(
        "construction.equipment.assignment", "equipment_id"
    )
    reading_count = fields.Integer(
        compute="_compute_reading_count",
        groups="equipment_costing.group_equipment_user,"
        "construction_project_sync.group_project_manager",
    )
    identity_ids = fields.One2many(
        "integration.mapping",
        "res_id",
        string="Identities",
        domain=[("res_model", "=", "maintenance.equipment")],
        groups="integration_queue.group_integration_user",
    )

    _sql_constraints = [
        (
            "equipment_number_uniq",
            "unique(company_id, equipment_number)",
            "Another machine of this company has this equipment number.",
        ),
        ("pin_uniq", "unique(pin)", "Another machine has this PIN."),
    ]

    @api.constrains("ownership", "partner_id", "rental_rate_basis")
    def _check_rental(self):
        for equipment in self:
            if equipment.ownership != "owned" and not (
                equipment.partner_id and equipment.rental_rate_basis
            ):
                raise ValidationError(
                    _(
                        "%(name)s is rented or leased: give its vendor and how the "
                        "vendor charges it (rate basis).",
                        name=equipment.display_name,
                    )
                )

    def _compute_reading_count(self):
        counts = dict(
            self.env["construction.equipment.reading"]._read_group(
                [("equipment_id", "in", self.ids)], ["equipment_id"], ["__count"]
            )
        )
        for equipment in self:
            equipment.reading_count = counts.get(equipment, 0)

    def action_view_readings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "equipment_costing.action_construction_equipment_reading"
        )
        action["domain"] = [("equipment_id", "=", self.id)]
        action["context"] = {"default_equipment_id": self.id}
        return action

    def _rate_at(self, date, kind=None):
        """The rates of this machine valid on ``date``: one per kind, or the one of
        ``kind``; empty when none is."""
        self.ensure_one()
        rates = self.rate_ids.filtered(
            lambda rate: (
                rate.date_from <= date and (not rate.date_to or rate.date_to >= date)
            )
        )
        return rates.filtered(lambda rate: rate.kind == kind) if kind else rates

    def _assignment_at(self, when):
        """The assignment of this machine valid at ``when`` (a datetime), if any."""
        self.ensure_one()
        return self.env["construction.equipment.assignment"].search(
            [
                ("equipment_id", "=", self.id),
                ("date_start", "<=", when),
                "|",
                ("date_end", "=", False),
                ("date_end", ">", when),
            ],
            limit=1,
        )

    @api.model
    def _match_telematics_many(self, system, headers):
        """_match_telematics for the machines of one snapshot (``headers``: dicts
        with oem_name, model, serial_number, pin, equipment_id), in order, in a
        few queries: the PINs, serial numbers and system ids of all of them are
        looked up at once. Only a machine that is new, or that teaches its record
        an identity (or the mapping an id), takes the one-by-one path."""
        keys = ("oem_name", "model", "serial_number", "pin", "equipment_id")
        idents = [
            tuple(identity(header.get(key)) for key in keys) for header in headers
        ]
        pins = {pin for _o, _m, _s, pin, _e in idents if pin}
        serials = {serial for _o, _m, serial, _p, _e in idents if serial}
        refs = {ref for _o, _m, _s, _p, ref in idents if ref}
        by_pin = {}
        for machine in self.search([("pin", "in", list(pins))]) if pins else []:
            by_pin.setdefault(machine.pin, machine)
        by_serial = {}
        if serials:
            for machine in self.search([("serial_no", "in", list(serials))]):
                by_serial.setdefault(machine.serial_no, self.browse())
                by_serial[machine.serial_no] |= machine
        mapped = (
            self.env["integration.mapping"]._resolve_many(
                system, self._name, list(refs), env=self.env
            )
            if refs
            else {}
        )
        machines = []
        for oem_name, model, serial_number, pin, equipment_id in idents:
            equipment = by_pin.get(pin) if pin else None
            if not equipment and oem_name and serial_number:
                equipment = by_serial.get(serial_number, self.browse()).filtered(
                    lambda m, oem=oem_name: (m.oem_name or "").lower() == oem.lower()
                )[:1]
            if not equipment and equipment_id:
                equipment = mapped.get(equipment_id)
            known = {
                "pin": pin,
                "oem_name": oem_name,
                "model": model,
                "serial_no": serial_number,
            }
            settled = (
                equipment
                and not any(value and not equipment[f] for f, value in known.items())
                and (not equipment_id or equipment_id in mapped)
            )
            machines.append(
                equipment
                if settled
                else self._match_telematics(
                    system, oem_name, model, serial_number, pin, equipment_id
                )
            )
        return machines

    def _match_telematics(
        self, system, oem_name, model, serial_number, pin, equipment_id
    ):
        """The machine a telematics feed of ``system`` names: by PIN, then OEM and
        serial number, then the system's equipment id through the mapping. A machine
        nobody knows is created, flagged for review. Identities learnt on the way
        are kept, so the next reading matches at once."""
        oem_name, model = identity(oem_name), identity(model)
        serial_number, pin = identity(serial_number), identity(pin)
        equipment_id = identity(equipment_id)
        if not (pin or (oem_name and serial_number) or equipment_id):
            # a machine created from nothing would be created again by every reading
            raise UserError(
                _(
                    "The telematics record names no machine: no PIN, no OEM and "
                    "serial number, no equipment id."
                )
            )
        equipment = self.browse()
        if pin:
            equipment = self.search([("pin", "=", pin)], limit=1)
        if not equipment and oem_name and serial_number:
            equipment = self.search(
                [("oem_name", "=ilike", oem_name), ("serial_no", "=", serial_number)],
                limit=1,
            )
        mapping = self.env["integration.mapping"]
        if not equipment and equipment_id:
            equipment = mapping._resolve(system, self._name, equipment_id, env=self.env)
        known = {
            "pin": pin,
            "oem_name": oem_name,
            "model": model,
            "serial_no": serial_number,
        }
        if equipment:
            missing = {
                field: value
                for field, value in known.items()
                if value and not equipment[field]
            }
            if missing:
                equipment.write(missing)
        else:
            name = " ".join(filter(None, [oem_name, model])) or pin or serial_number
            equipment = self.create(
                {
                    **{field: value for field, value in known.items() if value},
                    "name": name or equipment_id,
                    "created_from_telematics": True,
                    "company_id": system.company_id.id,
                }
            )
        if (
            equipment_id
            and not mapping._resolve(system, self._name, equipment_id)
            and not mapping._external_id(system, equipment)
        ):
            mapping._link(system, equipment, equipment_id)
        return equipment

    def _equipment_approver(self):
        """Who settles this machine's equipment cost: its technician when they are
        an equipment cost approver, otherwise the company's first approver."""
        self.ensure_one()
        group = self.env.ref("equipment_costing.group_equipment_manager")
        technician = self.technician_user_id
        company = self.company_id or self.env.company
        if technician and group in technician.groups_id:
            return technician
        # sudo: who approves is read whatever the rights of the check's runner
        approvers = (
            group.sudo()
            .users.filtered(
                lambda u: not u.share and u.active and company in u.company_ids
            )
            .sorted("id")
        )
        root = self.env.ref("base.user_root")
        return (approvers - root)[:1] or root

    def _schedule_equipment_activity(self, summary, note):
        """A to-do for the machine's approver (see ``_equipment_approver``),
        unless the same one is open already: a check run nightly does not pile
        them up."""
        for machine in self:
            user = machine._equipment_approver()
            if machine.activity_ids.filtered(
                lambda a, u=user: a.summary == summary and a.user_id == u
            ):
                continue
            machine.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=note,
                user_id=user.id,
            )
