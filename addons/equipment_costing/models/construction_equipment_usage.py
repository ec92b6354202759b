# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

USAGE_STATES = [
    ("ok", "OK"),
    ("flagged", "Flagged"),
    ("accepted", "Accepted"),
]
# the cumulative meters whose differences a day's usage is; each fills the usage
# field of its name
METERS = ("operating_hours", "idle_hours", "pto_hours", "fuel_used", "distance")
HOUR_METERS = ("operating_hours", "idle_hours", "pto_hours")
# the figures a person may correct (the meters and the standby they leave)
FIGURES = (*METERS, "standby_hours")
MANAGER_GROUP = "equipment_costing.group_equipment_manager"
# what the derivation raises, one exception per machine and problem
UNASSIGNED = "equipment_unassigned"  # the code the readings' exception uses too
METER_DROP = "usage_meter_drop"
JUMP = "usage_jump"
CHANGED_AFTER_REVIEW = "usage_changed_after_review"
# problems a later reading can explain away (the exception then resolves itself)
SELF_SETTLING = (METER_DROP, JUMP)
# rounding of the meters' figures (the fields keep 2 digits)
EPSILON = 0.005


def company_tz(company):
    """The timezone whose calendar days the company's usage is counted in."""
    try:
        return pytz.timezone(company.partner_id.tz or "UTC")
    except pytz.UnknownTimeZoneError:
        return pytz.utc


def day_start(tz, day):
    """The UTC moment (naive, as Odoo stores it) ``day`` starts at in ``tz``."""
    local = tz.localize(datetime.combine(day, time.min))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


def local_day(tz, moment):
    """The calendar day in ``tz`` of a stored (naive UTC) moment."""
    return pytz.utc.localize(moment).astimezone(tz).date()


def hours(moment_from, moment_to):
    return (moment_to - moment_from).total_seconds() / 3600.0


class ConstructionEquipmentUsage(models.Model):
    """What a machine did on a day for one assignment: the differences of its
    cumulative meters between the last reading before the day and the last reading
    of the day. Worked out from readings by the suite, never typed in; a day whose
    figures a feed cannot prove (a meter reset, an impossible jump) is flagged and
    costs nothing until a person accepts or corrects it."""

    _name = "construction.equipment.usage"
    _description = "Equipment Daily Usage"
    _inherit = ["mail.thread"]
    _order = "date desc, equipment_id, period_start, id"

    equipment_id = fields.Many2one(
        "maintenance.equipment", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    date = fields.Date(
        required=True,
        index=True,
        readonly=True,
        help="The calendar day in the company's timezone (the timezone of the "
        "company's address contact; UTC when it has none).",
    )
    assignment_id = fields.Many2one(
        "construction.equipment.assignment", readonly=True, index="btree_not_null"
    )
    job_id = fields.Many2one("project.project", readonly=True, index=True)
    phase_id = fields.Many2one("construction.phase", readonly=True)
    cost_code_id = fields.Many2one("construction.cost.code", readonly=True)
    period_start = fields.Datetime(
        readonly=True,
        help="Start of the part of the day this row covers: the day, or the part of "
        "it under this assignment when the machine changed jobs that day.",
    )
    period_end = fields.Datetime(readonly=True)
    operating_hours = fields.Float(readonly=True, digits=(16, 2))
    idle_hours = fields.Float(readonly=True, digits=(16, 2))
    pto_hours = fields.Float(string="PTO Hours", readonly=True, digits=(16, 2))
    fuel_used = fields.Float(readonly=True, help="Litres.")
    distance = fields.Float(readonly=True, help="Kilometres.")
    standby_hours = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="On a working day (Monday to Friday) when the machine is assigned and "
        "reports: the company's standard day hours less its operating and idle "
        "hours, never below zero. A day split between assignments shares it by the "
        "time of each.",
    )
    reported_operating_hours = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="As the meters tell it; kept when a person corrects the figures.",
    )
    reported_idle_hours = fields.Float(readonly=True, digits=(16, 2))
    reported_pto_hours = fields.Float(
        string="Reported PTO Hours", readonly=True, digits=(16, 2)
    )
    reported_fuel_used = fields.Float(readonly=True)
    reported_distance = fields.Float(readonly=True)
    reported_standby_hours = fields.Float(readonly=True, digits=(16, 2))
    state = fields.Selection(
        USAGE_STATES,
        default="ok",
        required=True,
        readonly=True,
        tracking=True,
        help="OK: the meters prove the figures. Flagged: they do not (see the "
        "reason); nothing is costed until an equipment manager accepts or corrects "
        "them. Accepted: a person took them as they are or corrected them.",
    )
    flag_reason = fields.Text(readonly=True)
    corrected = fields.Boolean(readonly=True)
    review_note = fields.Text(
        readonly=True, help="Why the person accepted or corrected the figures."
    )
    reviewed_by_id = fields.Many2one("res.users", readonly=True)
    reviewed_at = fields.Datetime(readonly=True)
    exception_ids = fields.Many2many(
        "integration.exception",
        "construction_equipment_usage_exception_rel",
        "usage_id",
        "exception_id",
        string="Exceptions",
        readonly=True,
        groups="integration_queue.group_integration_user",
    )

    @api.depends("equipment_id", "date", "job_id")
    def _compute_display_name(self):
        for usage in self:
            parts = [usage.equipment_id.display_name, str(usage.date or "")]
            if usage.job_id:
                parts.append(usage.job_id.display_name)
            usage.display_name = " · ".join(parts)

    @api.model
    def _costable_domain(self):
        """The usage the costing may turn into cost: proven by the feed, or
        accepted (as given or corrected) by a person."""
        return [("state", "in", ("ok", "accepted")), ("job_id", "!=", False)]

    def _costed(self):
        """The rows of ``self`` the costing has taken already (staged as cost, not
        rejected): a recompute never rewrites them (it raises an exception
        instead), as the cost was worked out from them."""
        return self.env["construction.equipment.cost"]._staged_usage(self)

    # ------------------------------------------------------------ derivation
    @api.model
    def _recompute_readings(self, readings, message=None):
        """Recompute the days the meter ``readings`` (just stored) fall on and the
        next day each machine reported after them, whose baseline they are."""
        readings = readings.filtered(lambda r: r.kind in METERS)
        if not readings:
            return self.browse()
        touched, tz_of = defaultdict(set), {}
        for reading in readings:
            machine = reading.equipment_id
            tz = tz_of.setdefault(
                machine, company_tz(machine.company_id or reading.company_id)
            )
            touched[machine].add(local_day(tz, reading.reading_datetime))
        # the day after the last one touched (a gap may make it weeks later) takes
        # its baseline from these readings: find it in one query
        machines = list(touched)
        afters = [
            day_start(tz_of[machine], max(touched[machine]) + timedelta(days=1))
            for machine in machines
        ]
        self.env["construction.equipment.reading"].flush_model()
        self.env.cr.execute(
            """SELECT r.equipment_id, min(r.reading_datetime)
                 FROM construction_equipment_reading r
                 JOIN unnest(%s::int[], %s::timestamp[]) AS t(equipment_id, after)
                   ON r.equipment_id = t.equipment_id AND r.reading_datetime >= t.after
                WHERE r.kind = ANY(%s)
                GROUP BY r.equipment_id""",
            [[m.id for m in machines], afters, list(METERS)],
        )
        next_moment = dict(self.env.cr.fetchall())
        # machines with the same days recompute together (a snapshot's all do);
        # an old time-series page of one machine does not drag the others along
        windows = defaultdict(list)
        for machine in machines:
            last = max(touched[machine])
            if machine.id in next_moment:
                last = local_day(tz_of[machine], next_moment[machine.id])
            windows[(min(touched[machine]), last)].append(machine.id)
        rows = self.browse()
        for (date_from, date_to), equipment_ids in windows.items():
            rows |= self._recompute(equipment_ids, date_from, date_to, message)
        return rows

    @api.model
    def _recompute(self, equipment_ids, date_from, date_to, message=None):
        """Work out the usage of the machines ``equipment_ids`` for the days
        ``date_from`` to ``date_to`` (their companies' calendar days) from their
        stored readings: one query for the readings, one search for the
        assignments and one for the usage there is, batch create and write.

        Each step of a meter (a reading less the one before it) lands on the day
        and the assignment of the later reading, so a day's figure is its last
        reading less the last one before the day, a gap's whole delta lands on the
        day it is observed, and the order readings arrive in changes nothing. A
        meter's very first reading is only its baseline. Rows accepted by a person
        or taken by the costing are never rewritten: a different figure for them
        opens an exception. ``message`` (the telematics message at work) carries
        the exceptions' notes. Returns the usage of the machines in the period."""
        # sudo: usage is derived by the suite from stored readings, never typed
        # in, so nobody holds write access to it (no field can be forged over
        # RPC); this private method is reached from the telematics processor and
        # the managers' recompute wizard only, for machines they could read
        Usage = self.sudo()
        machines = self.env["maintenance.equipment"].sudo().browse(equipment_ids)
        machines = machines.exists()
        if not machines or date_to < date_from:
            return Usage.browse()
        self._claim(machines)
        meters, reported_by = self._meter_readings(machines, date_from, date_to)
        assignments = self._assignments(machines, date_from, date_to)
        derived, problems = {}, []
        for machine in machines:
            # a machine of no company counts in the company its readings came to
            company = machine.company_id or reported_by.get(machine.id)
            if not company:
                continue
            self._derive_machine(
                machine,
                company,
                meters.get(machine.id, {}),
                assignments.get(machine.id, []),
                date_from,
                date_to,
                derived,
                problems,
            )
        existing = Usage.search(
            [
                ("equipment_id", "in", machines.ids),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ]
        )
        # the feed's figures leave no chatter (a message per machine and day at
        # every snapshot); the chatter keeps what people decide
        rows = (
            Usage.with_context(tracking_disable=True)
            ._store(existing.with_context(tracking_disable=True), derived, problems)
            .with_context(tracking_disable=False)
        )
        Usage._raise_problems(rows, problems, message)
        return rows

    @api.model
    def _claim(self, machines):
        """Make the derivations of the same machines take turns. Two snapshots of a
        machine processed at once (two job workers) each see their own readings,
        not the other's: both would create the day's row (a duplicate, costed
        twice), or one would take a stale baseline (a step counted on two days).
        Each derivation updates its machines' rows first, in id order: the second
        waits for the first, then fails with a serialization error (REPEATABLE
        READ: the rows changed since its snapshot), so the hub retries its message,
        which then sees both snapshots' readings."""
        self.env.cr.execute(
            """UPDATE maintenance_equipment SET write_date = write_date
                WHERE id IN (SELECT id FROM maintenance_equipment
                              WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE)""",
            [machines.ids],
        )

    @api.model
    def _meter_readings(self, machines, date_from, date_to):
        """({machine id: {kind: [(moment, value)]}}, {machine id: company of its
        latest reading}) for the period, with each meter's last reading before it
        (the baseline). The window is a day wider on each side than any
        timezone's day."""
        Reading = self.env["construction.equipment.reading"]
        Reading.flush_model()
        low = datetime.combine(date_from, time.min) - timedelta(days=1)
        high = datetime.combine(date_to, time.min) + timedelta(days=2)
        args = {
            "ids": machines.ids,
            "kinds": list(METERS),
            "low": low,
            "high": high,
        }
        self.env.cr.execute(
            """SELECT equipment_id, kind, reading_datetime, value, company_id
                 FROM construction_equipment_reading
                WHERE equipment_id = ANY(%(ids)s) AND kind = ANY(%(kinds)s)
                  AND reading_datetime >= %(low)s AND reading_datetime < %(high)s
               UNION ALL
               SELECT * FROM (
                   SELECT DISTINCT ON (equipment_id, kind)
                          equipment_id, kind, reading_datetime, value, company_id
                     FROM construction_equipment_reading
                    WHERE equipment_id = ANY(%(ids)s) AND kind = ANY(%(kinds)s)
                      AND reading_datetime < %(low)s
                    ORDER BY equipment_id, kind, reading_datetime DESC, value DESC
               ) AS baseline
               ORDER BY 1, 2, 3, 4""",
            args,
        )
        result = defaultdict(lambda: defaultdict(list))
        company_of = {}
        for equipment_id, kind, moment, value, company_id in self.env.cr.fetchall():
            result[equipment_id][kind].append((moment, value))
            company_of[equipment_id] = company_id
        # sudo: the readings' companies, whose timezone counts the days, whoever
        # runs the derivation (the telematics flow's service user, a manager)
        Company = self.env["res.company"].sudo()
        return result, {
            equipment_id: Company.browse(company_id)
            for equipment_id, company_id in company_of.items()
        }

    @api.model
    def _assignments(self, machines, date_from, date_to):
        """{machine id: [assignments sorted by start]} over the period."""
        low = datetime.combine(date_from, time.min) - timedelta(days=1)
        high = datetime.combine(date_to, time.min) + timedelta(days=2)
        # sudo: the derivation follows every assignment of the machines, the
        # telematics flow's service user reads none
        found = (
            self.env["construction.equipment.assignment"]
            .sudo()
            .search(
                [
                    ("equipment_id", "in", machines.ids),
                    ("date_start", "<", high),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">", low),
                ],
                order="date_start",
            )
        )
        result = defaultdict(list)
        for assignment in found:
            result[assignment.equipment_id.id].append(assignment)
        return result

    @api.model
    def _derive_machine(
        self,
        machine,
        company,
        meters,
        assignments,
        date_from,
        date_to,
        derived,
        problems,
    ):
        """Fill ``derived`` {(machine id, day, assignment id): vals} and
        ``problems`` [(machine, code, text, key)] for one machine."""

        def assignment_at(moment):
            for assignment in assignments:
                if assignment.date_start <= moment and (
                    not assignment.date_end or assignment.date_end > moment
                ):
                    return assignment
            return None

        tz = company_tz(company)
        figures = {}
        drops = defaultdict(list)
        since = defaultdict(dict)
        for kind, points in meters.items():
            previous = None
            for moment, value in points:
                day = local_day(tz, moment)
                if date_from <= day <= date_to:
                    assignment = assignment_at(moment)
                    key = (machine.id, day, assignment.id if assignment else False)
                    # a reading makes the row, a baseline or not
                    figures.setdefault(key, dict.fromkeys(METERS, 0.0))
                    if previous is not None:
                        step = value - previous[1]
                        if step < -EPSILON:
                            drops[key].append((kind, previous[1], value, moment))
                        elif step > 0:
                            figures[key][kind] += step
                            since[key].setdefault(kind, previous[0])
                previous = (moment, value)
        days = defaultdict(list)
        for key in figures:
            days[key[1]].append(key)
        for day, keys in days.items():
            start = day_start(tz, day)
            end = day_start(tz, day + timedelta(days=1))
            spans = self._spans(assignments, start, end)
            for key in keys:
                self._derive_row(
                    machine,
                    company,
                    key,
                    figures[key],
                    spans.get(key[2], []),
                    drops[key],
                    since[key],
                    derived,
                    problems,
                )
            self._spread_standby(company, day, keys, spans, derived)

    @api.model
    def _spans(self, assignments, start, end):
        """{assignment id or False: [(from, to)]}: the parts of the day from
        ``start`` to ``end`` under each assignment, and under none."""
        spans = defaultdict(list)
        cursor = start
        for assignment in assignments:
            low = max(assignment.date_start, start)
            high = min(assignment.date_end or end, end)
            if high <= low:
                continue
            if low > cursor:
                spans[False].append((cursor, low))
            spans[assignment.id].append((low, high))
            cursor = max(cursor, high)
        if cursor < end:
            spans[False].append((cursor, end))
        return spans

    @api.model
    def _derive_row(
        self, machine, company, key, figures, spans, drops, since, derived, problems
    ):
        _machine_id, day, assignment_id = key
        # sudo: as in _assignments, which found it
        assignment = self.env["construction.equipment.assignment"].sudo()
        assignment = assignment.browse(assignment_id)
        capacity = sum(hours(low, high) for low, high in spans) or 24.0
        reasons = []
        labels = {
            kind: self._fields[kind].get_description(self.env)["string"]
            for kind in METERS
        }
        for kind, before, after, moment in drops:
            reasons.append(
                (
                    METER_DROP,
                    _(
                        "%(meter)s dropped from %(before)s to %(after)s at %(moment)s "
                        "UTC: the meter was reset or the unit replaced. The day after "
                        "counts from the new meter.",
                        meter=labels[kind],
                        before=round(before, 2),
                        after=round(after, 2),
                        moment=moment,
                    ),
                )
            )
        limit = min(capacity, company.equipment_max_hours_per_day or 24.0)
        for kind in HOUR_METERS:
            if figures[kind] > limit + EPSILON:
                reasons.append(
                    (
                        JUMP,
                        _(
                            "%(meter)s rose %(value)s h since the reading of "
                            "%(since)s UTC, more than the %(limit)s h this day can "
                            "hold.",
                            meter=labels[kind],
                            value=round(figures[kind], 2),
                            since=since.get(kind),
                            limit=round(limit, 2),
                        ),
                    )
                )
        for kind, threshold in (
            ("fuel_used", company.equipment_max_fuel_per_day),
            ("distance", company.equipment_max_distance_per_day),
        ):
            if threshold and figures[kind] > threshold + EPSILON:
                reasons.append(
                    (
                        JUMP,
                        _(
                            "%(meter)s rose %(value)s since the reading of "
                            "%(since)s UTC, more than the company's %(limit)s a day.",
                            meter=labels[kind],
                            value=round(figures[kind], 2),
                            since=since.get(kind),
                            limit=threshold,
                        ),
                    )
                )
        if not assignment and any(figures[kind] > EPSILON for kind in METERS):
            reasons.append(
                (
                    UNASSIGNED,
                    _(
                        "%(machine)s was used where nobody assigned it on %(day)s.",
                        machine=machine.display_name,
                        day=day,
                    ),
                )
            )
        vals = {
            "equipment_id": machine.id,
            "company_id": company.id,
            "date": day,
            "assignment_id": assignment.id,
            "job_id": assignment.job_id.id,
            "phase_id": assignment.phase_id.id,
            "cost_code_id": assignment.cost_code_id.id,
            "period_start": min(low for low, _high in spans) if spans else False,
            "period_end": max(high for _low, high in spans) if spans else False,
            "standby_hours": 0.0,
            "state": "flagged" if reasons else "ok",
            "flag_reason": "\n".join(text for _code, text in reasons) or False,
        }
        for kind in METERS:
            vals[kind] = vals[f"reported_{kind}"] = round(figures[kind], 6)
        vals["reported_standby_hours"] = 0.0
        derived[key] = vals
        for code, text in reasons:
            problems.append((machine, code, text, key))

    @api.model
    def _spread_standby(self, company, day, keys, spans, derived):
        """Standby of a working day the machine was assigned and reported: the
        standard day less its operating and idle hours, shared by the assigned
        rows of the day by the time of each."""
        if day.weekday() >= 5:
            return
        assigned = [key for key in keys if key[2]]
        if not assigned:
            return
        standard = company.equipment_standard_day_hours
        used = sum(
            derived[key]["operating_hours"] + derived[key]["idle_hours"]
            for key in assigned
        )
        standby = max(0.0, standard - used)
        time_of = {
            key: sum(hours(low, high) for low, high in spans.get(key[2], []))
            for key in assigned
        }
        total = sum(time_of.values()) or 1.0
        for key in assigned:
            share = round(standby * time_of[key] / total, 6)
            derived[key]["standby_hours"] = derived[key]["reported_standby_hours"] = (
                share
            )

    def _differs(self, vals):
        """Whether ``vals`` would change the record (floats to their rounding)."""
        self.ensure_one()
        for name, value in vals.items():
            field = self._fields[name]
            current = self[name]
            if field.type == "many2one":
                current = current.id
            if field.type == "float":
                if abs((current or 0.0) - (value or 0.0)) > EPSILON:
                    return True
            elif (current or False) != (value or False):
                return True
        return False

    def _store(self, existing, derived, problems):
        """Create, write or remove rows so the period holds ``derived``; reviewed
        or costed rows stay as they are, their change becomes a problem."""
        costed = existing._costed()
        by_key = {
            (row.equipment_id.id, row.date, row.assignment_id.id or False): row
            for row in existing
        }
        to_create, kept = [], self.browse()
        reported = [f"reported_{kind}" for kind in METERS]
        for key, vals in derived.items():
            row = by_key.pop(key, None)
            if row is None:
                to_create.append(vals)
                continue
            kept |= row
            if row.state == "accepted" or row in costed:
                # a person's word (or the cost) stands: the feed's doubts about
                # the day were settled with it, only a new figure is news
                problems[:] = [p for p in problems if p[3] != key]
                if row._differs({name: vals[name] for name in reported}):
                    problems.append(
                        (
                            row.equipment_id,
                            CHANGED_AFTER_REVIEW,
                            self._changed_text(row, vals),
                            key,
                        )
                    )
                continue
            if row._differs(vals):
                row.write(vals)
        for key, row in by_key.items():
            if row.state == "accepted" or row in costed:
                kept |= row
                problems.append(
                    (
                        row.equipment_id,
                        CHANGED_AFTER_REVIEW,
                        _(
                            "%(row)s was reviewed or costed, but the readings no "
                            "longer put the machine there (an assignment changed?).",
                            row=row.display_name,
                        ),
                        key,
                    )
                )
            else:
                row.unlink()
        return kept | self.create(to_create)

    def _changed_text(self, row, vals):
        changes = ", ".join(
            f"{self._fields[kind].get_description(self.env)['string']} "
            f"{round(row[f'reported_{kind}'], 2)} → {round(vals[kind], 2)}"
            for kind in METERS
            if abs(row[f"reported_{kind}"] - vals[kind]) > EPSILON
        )
        return _(
            "New readings change %(row)s, which was reviewed or costed already "
            "(%(changes)s): it is left as it is; check it.",
            row=row.display_name,
            changes=changes,
        )

    def _raise_problems(self, rows, problems, message=None):
        """One open exception per machine and problem: an open one is reused, a
        new one is raised through the message (noted on it) or, without one, in
        the machine's company. Flagged rows are linked to theirs; exceptions a
        later reading explained away resolve themselves."""
        # sudo: exceptions are the hub's bookkeeping; neither the flow's service
        # user nor an equipment manager opens them directly
        Exception_ = self.env["integration.exception"].sudo()
        machines = rows.equipment_id | self.env["maintenance.equipment"].browse(
            [p[0].id for p in problems]
        )
        domain = [
            ("res_model", "=", "maintenance.equipment"),
            ("res_id", "in", machines.ids),
            ("state", "in", ("open", "in_progress")),
        ]
        open_ = {
            (exc.res_id, exc.reason_code): exc
            for exc in Exception_.search(domain, order="id")
        }
        by_key = {
            (row.equipment_id.id, row.date, row.assignment_id.id or False): row
            for row in rows
        }
        texts = defaultdict(list)
        for machine, code, text, key in problems:
            texts[(machine, code)].append((text, key))
        links = defaultdict(set)
        for (machine, code), items in texts.items():
            exc = open_.get((machine.id, code))
            if not exc:
                text = "\n".join(dict.fromkeys(text for text, _key in items))
                if message:
                    message.report(code, text, machine)
                    exc = Exception_.search(
                        domain[:2]
                        + [("res_id", "=", machine.id), ("reason_code", "=", code)],
                        order="id desc",
                        limit=1,
                    )
                else:
                    exc = self._open_exception(machine, code, text)
                open_[(machine.id, code)] = exc
            elif message:
                message.notes.append(
                    _("%(text)s (exception %(exc)s is open already)")
                    % {"text": items[0][0], "exc": exc.display_name}
                )
            for _text, key in items:
                row = by_key.get(key)
                if row:
                    links[row].add(exc.id)
        for row in rows:
            wanted = links.get(row, set())
            if row.state == "accepted":
                wanted |= set(row.exception_ids.ids)
            if wanted != set(row.exception_ids.ids):
                row.exception_ids = [(6, 0, sorted(wanted))]
        settled = Exception_.browse(
            [exc.id for (_m, code), exc in open_.items() if code in SELF_SETTLING]
        )
        self._settle(settled, _("The readings received since explain it."))

    @api.model
    def _open_exception(self, machine, code, text):
        """An exception raised outside a message (a recompute a manager asked
        for), as the hub raises one for the telematics flow: its owner settles
        it, in the machine's company, with the system that sent the machine's
        latest readings."""
        flow = self.env.ref("equipment_costing.flow_telematics_aemp_snapshot")
        # sudo: which system sent the machine's readings, in any company
        system = (
            self.env["construction.equipment.reading"]
            .sudo()
            .search(
                [("equipment_id", "=", machine.id), ("system_id", "!=", False)],
                order="reading_datetime desc",
                limit=1,
            )
            .system_id
        )
        # sudo: the hub's bookkeeping; equipment managers may not open exceptions
        Exception_ = self.env["integration.exception"].sudo()
        return Exception_.create(
            {
                "name": text.splitlines()[0][:200],
                "reason_code": code,
                "description": text,
                "flow_id": flow.id,
                "system_id": system.id,
                "company_id": (machine.company_id or self.env.company).id,
                "res_model": machine._name,
                "res_id": machine.id,
                "owner_id": Exception_._owner_for(flow, system).id,
                "criticality": flow.criticality,
                "deadline": fields.Datetime.now() + timedelta(hours=flow.sla_hours),
            }
        )

    @api.model
    def _settle(self, exceptions, note):
        """Resolve the usage ``exceptions`` no flagged usage refers to any more."""
        if not exceptions:
            return
        # sudo: flagged usage of any company still holds its exception open
        still = self.sudo().search(
            [("state", "=", "flagged"), ("exception_ids", "in", exceptions.ids)]
        )
        done = exceptions - still.exception_ids
        done = done.filtered(lambda e: e.state in ("open", "in_progress"))
        if done:
            done.write({"resolution_note": note})
            done.action_resolve()

    # ------------------------------------------------------------ review
    def _check_reviewer(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _("Only equipment cost approvers accept or correct daily usage.")
            )
        costed = self._costed()
        for usage in self:
            if usage in costed:
                raise UserError(
                    _("%s is costed already: it cannot change.", usage.display_name)
                )

    def action_accept(self):
        """Take flagged figures as the meters report them."""
        self._check_reviewer()
        for usage in self:
            if usage.state != "flagged":
                raise UserError(
                    _(
                        "%s is not flagged: only usage the meters cannot prove "
                        "waits to be accepted.",
                        usage.display_name,
                    )
                )
        self._review(_("Accepted as reported"), None, None)
        return True

    def action_open_correction(self):
        self._check_reviewer()
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Correct Usage"),
            "res_model": "construction.equipment.usage.correction",
            "view_mode": "form",
            "target": "new",
            "context": {"default_usage_id": self.id},
        }

    def _correct(self, figures, reason):
        """Replace the figures of one row by a person's (the reported ones stay)."""
        self.ensure_one()
        self._check_reviewer()
        if self.state == "accepted":
            raise UserError(_("%s was reviewed already.", self.display_name))
        if not (reason or "").strip():
            raise UserError(_("Say why the figures are corrected."))
        if any(figures[name] < 0 for name in FIGURES):
            raise UserError(_("Usage figures cannot be negative."))
        self._review(_("Corrected"), reason, {name: figures[name] for name in FIGURES})

    def _review(self, title, reason, figures):
        """Mark the rows accepted (with corrected ``figures`` if given), note who
        and why in their chatter and resolve the exceptions nothing else waits
        on. Callers checked the reviewer's group."""
        user = self.env.user
        vals = {
            "state": "accepted",
            "reviewed_by_id": user.id,
            "reviewed_at": fields.Datetime.now(),
            "review_note": reason or False,
            "corrected": bool(figures),
            **(figures or {}),
        }
        # sudo: nobody holds write access to usage (its figures come from the
        # meters); the reviewer's group was checked by the public method
        rows = self.sudo()
        rows.write(vals)
        for usage in rows:
            body = Markup("<p>%s by %s</p>") % (title, user.name)
            if figures:
                body += Markup("<ul>%s</ul>") % Markup("").join(
                    Markup("<li>%s: %s → %s</li>")
                    % (
                        self._fields[name].get_description(self.env)["string"],
                        round(usage[f"reported_{name}"], 2),
                        round(figures[name], 2),
                    )
                    for name in FIGURES
                    if abs(usage[f"reported_{name}"] - figures[name]) > EPSILON
                )
            if reason:
                body += Markup("<p>%s</p>") % escape(reason)
            usage.message_post(body=body, subtype_xmlid="mail.mt_note")
        self._settle(
            rows.exception_ids,
            _("%(title)s by %(user)s: %(reason)s")
            % {"title": title, "user": user.name, "reason": reason or "-"},
        )
