# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import json
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import file_open

from odoo.addons.integration_queue.lib.datetimes import naive_utc
from odoo.addons.integration_queue.lib.errors import (
    IntegrationError,
    IntegrationParseError,
)
from odoo.addons.integration_queue.lib.processor import (
    integration_parser,
    integration_processor,
)

from ..lib.aemp import (
    AempError,
    fleet_from_json,
    parse_fleet,
    parse_time_series,
    time_series_from_json,
)
from .maintenance_equipment import identity

EQUIPMENT = "maintenance.equipment"
ASSIGNMENT = "construction.equipment.assignment"
READING = "construction.equipment.reading"
USAGE = "construction.equipment.usage"
READING_COLUMNS = (
    "equipment_id",
    "company_id",
    "kind",
    "value",
    "unit",
    "unit_given",
    "reading_datetime",
    "latitude",
    "longitude",
    "altitude",
    "system_id",
    "message_id",
    "assignment_id",
    "job_id",
    "state",
)


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
        start = naive_utc(payload["start"])
        end = payload.get("end") and naive_utc(payload["end"])
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
        # the days under this assignment, before and after the message, change
        # job: up to today at most (readings do not come from the future)
        first = min(start, current.date_start) if current else start
        assignment = message.upsert(ASSIGNMENT, payload["external_id"], vals)
        today = fields.Date.context_today(self)
        last = min(end.date(), today) if end else today
        self.env[USAGE]._recompute(
            equipment.ids, first.date() - timedelta(days=1), last, message
        )
        return assignment

    # ------------------------------------------------------------ telematics
    @api.model
    @integration_parser("aemp_fleet")
    def _parse_aemp_fleet(self, document, content_type):
        """An ISO 15143-3 Fleet snapshot, or a time-series page of one machine, as
        the payload (Fleet.to_json())."""
        try:
            try:
                return parse_fleet(document, content_type).to_json()
            except AempError as exc:
                if exc.code != "not_a_fleet_document":
                    raise
                return parse_time_series(document, content_type).to_json()
        except AempError as exc:
            raise IntegrationParseError(exc.message, code=exc.code) from exc

    @api.model
    def _aemp_payload(self, payload):
        """The parsed form of a payload: XML bodies arrive parsed already, JSON bodies
        as the OEM serves them."""
        if "equipment" in payload and "links" in payload:
            return payload
        try:
            try:
                return fleet_from_json(payload).to_json()
            except AempError as exc:
                if exc.code != "not_a_fleet_document":
                    raise
                return time_series_from_json(payload).to_json()
        except AempError as exc:
            raise IntegrationError(
                f"The document cannot be read: {exc.message}",
                code=exc.code,
                retryable=False,
            ) from exc

    @api.model
    @integration_processor("telematics.aemp_snapshot")
    def _process_aemp_snapshot(self, message, payload):
        """Each machine of the snapshot matched (or created) by its telematics
        identity, its readings stored once whatever the number of times the
        snapshot arrives; a reading taken where no assignment puts the machine is
        kept and raised as an exception. The daily usage of the days the new
        readings touch (and the next day each machine reported, whose baseline
        they are) is worked out again."""
        fleet = self._aemp_payload(payload)
        Equipment = self.env[EQUIPMENT]
        # ids only grow: a machine above the highest id known before was created
        last_known = Equipment.search([], order="id desc", limit=1).id
        items = fleet["equipment"]
        matched = Equipment._match_telematics_many(
            message.system, [item["header"] for item in items]
        )
        machines = [
            (equipment, item["readings"])
            for equipment, item in zip(matched, items, strict=True)
        ]
        all_machines = Equipment.browse([machine.id for machine, _readings in machines])
        message.link(all_machines.filtered(lambda m: m.id > last_known), "created")
        message.link(all_machines.filtered(lambda m: m.id <= last_known), "linked")
        rows = self._reading_rows(message, machines)
        readings = self._insert_readings(rows)
        message.link(readings, "created")
        message.notes.append(
            f"{len(all_machines)} machine(s), {len(readings)} new reading(s), "
            f"{len(rows) - len(readings)} already stored."
        )
        self._raise_unassigned(message, readings)
        self.env[USAGE]._recompute_readings(readings, message)
        return all_machines

    @api.model
    def _reading_rows(self, message, machines):
        """The rows of the readings, each with the assignment valid at its time:
        one search for the assignments of all the machines, none per reading."""
        moments = [
            naive_utc(reading["datetime"].removesuffix("Z"))
            for _machine, readings in machines
            for reading in readings
        ]
        if not moments:
            return []
        assignments = self.env[ASSIGNMENT].search(
            [
                ("equipment_id", "in", [machine.id for machine, _r in machines]),
                ("date_start", "<=", max(moments)),
                "|",
                ("date_end", "=", False),
                ("date_end", ">", min(moments)),
            ]
        )
        # each machine's own assignments, by id: filtering the whole set per
        # machine made a page of N machines cost N² (tests/bench/bench_equipment.py)
        by_machine = defaultdict(list)
        for assignment in assignments:
            by_machine[assignment.equipment_id.id].append(assignment)
        Assignment = self.env[ASSIGNMENT]
        rows = {}
        for machine, readings in machines:
            own = by_machine[machine.id]
            company = machine.company_id or message.system.company_id
            for reading in readings:
                when = naive_utc(reading["datetime"].removesuffix("Z"))
                assignment = next(
                    (
                        a
                        for a in own
                        if a.date_start <= when
                        and (not a.date_end or a.date_end > when)
                    ),
                    Assignment,
                )
                extra = reading.get("extra") or {}
                value = reading["value"]
                value = float(value) if value is not None else 0.0
                row = (
                    machine.id,
                    company.id,
                    reading["kind"],
                    value,
                    reading.get("unit"),
                    extra.get("unit_given") or reading.get("unit"),
                    when,
                    extra.get("latitude"),
                    extra.get("longitude"),
                    extra.get("altitude"),
                    message.system.id,
                    message.record.id,
                    assignment.id or None,
                    assignment.job_id.id or None,
                    "ok" if assignment else "suspect",
                )
                # the same reading twice in one document is one reading
                rows.setdefault(row[:4] + (when,), row)
        return list(rows.values())

    @api.model
    def _insert_readings(self, rows):
        """Insert ``rows`` in one statement, skipping those stored already (the
        unique key); returns the readings created. The ORM has no insert that
        ignores a duplicate, so the rights it would check are checked here."""
        Reading = self.env[READING]
        if not rows:
            return Reading
        Reading.check_access("create")
        companies = {row[1] for row in rows}
        if not companies <= set(self.env.companies.ids):
            raise IntegrationError(
                "A machine of the snapshot belongs to a company the system does not "
                "serve.",
                code="company_not_allowed",
                retryable=False,
            )
        now = fields.Datetime.now()
        uid = self.env.uid
        columns = (
            *READING_COLUMNS,
            "create_uid",
            "write_uid",
            "create_date",
            "write_date",
        )
        values = [(*row, uid, uid, now, now) for row in rows]
        placeholders = ", ".join(["%s"] * len(values))
        # the machines just created must be in their table before readings refer
        # to them
        self.env.flush_all()
        self.env.cr.execute(
            f"""INSERT INTO construction_equipment_reading ({", ".join(columns)})
                VALUES {placeholders}
                ON CONFLICT (equipment_id, kind, reading_datetime, value) DO NOTHING
                RETURNING id""",  # noqa: S608 -- the columns are constants
            values,
        )
        return Reading.browse(sorted(row[0] for row in self.env.cr.fetchall()))

    @api.model
    def _raise_unassigned(self, message, readings):
        """One exception per machine used where nobody assigned it, not one per
        reading."""
        unassigned = readings.filtered(lambda r: not r.assignment_id)
        for equipment in unassigned.equipment_id:
            own = unassigned.filtered(lambda r, e=equipment: r.equipment_id == e)
            moments = own.mapped("reading_datetime")
            text = (
                f"{equipment.display_name} was used where nobody assigned it.\n"
                f"{len(own)} reading(s) from {message.system.name} between "
                f"{min(moments)} and {max(moments)} UTC have no assignment. Assign "
                "the machine to its job for that time; the readings are kept as "
                "suspect."
            )
            message.report("equipment_unassigned", text, equipment)

    @api.model
    def _send_demo_documents(
        self, system_id, flow_code, file_names, key_prefix, days_ago=1, meters=None
    ):
        """Demo traffic: the AEMP documents of demo/telematics, dated ``days_ago``
        days back (yesterday by default) with the ``meters`` values ({name: value}
        for their @NAME@ placeholders), stored in the inbox as the API stores a
        posted XML body (the document as received, the payload as the flow's parser
        reads it)."""
        items = self._demo_items(flow_code, file_names, days_ago, meters or {})
        for index, item in enumerate(items):
            item["idempotency_key"] = f"{key_prefix}-{index}"
        return self._ingest_demo(system_id, flow_code, items)

    @api.model
    def _send_demo_history(
        self, system_id, flow_code, file_names, key_prefix, days_ago, meters
    ):
        """Demo traffic: the same documents for each of the days ``days_ago`` (a
        list, the latest day first), the meters running back from their values
        on that day: ``meters`` is {name: (value on the first day, use a day)}.
        A week of snapshots from one template each, not a file per day."""
        items = []
        for day in days_ago:
            back = day - days_ago[0]
            values = {
                name: round(value - per_day * back, 1)
                for name, (value, per_day) in meters.items()
            }
            for index, item in enumerate(
                self._demo_items(flow_code, file_names, day, values)
            ):
                item["idempotency_key"] = f"{key_prefix}-{day}-{index}"
                items.append(item)
        return self._ingest_demo(system_id, flow_code, items)

    @api.model
    def _demo_items(self, flow_code, file_names, days_ago, meters):
        flow = self.env["integration.flow"].search([("code", "=", flow_code)])
        day = (fields.Date.today() - timedelta(days=days_ago)).isoformat().encode()
        items = []
        for name in file_names:
            with file_open(f"equipment_costing/demo/telematics/{name}", "rb") as file:
                document = file.read().replace(b"@DAY@", day)
            for meter, value in meters.items():
                document = document.replace(f"@{meter}@".encode(), str(value).encode())
            payload = flow._parse_document(document, "application/xml", self.env)
            items.append(
                {
                    "raw_body": document.decode(),
                    "content_type": "application/xml",
                    "digest": hashlib.sha256(document).hexdigest(),
                    "event_time": None,
                    "payload": payload,
                    "raw": json.dumps(payload),
                }
            )
        return items

    @api.model
    def _ingest_demo(self, system_id, flow_code, items):
        system = self.env["integration.system"].browse(system_id)
        flow = self.env["integration.flow"].search([("code", "=", flow_code)])
        # sudo: demo messages enter the inbox as the system's own would
        return (
            self.env["integration.message"]
            .sudo()
            ._ingest(system, flow, items, source="ui")
        )
