"""Equipment telematics end to end on this machine (not part of CI's pass/fail).

A reading is one stored meter value (one row of construction.equipment.reading). The
fleet is 1,000 machines, each reporting its CumulativeOperatingHours at 100 snapshots
(every 6 hours over 25 days): 100,000 readings. ``--meters 3`` adds
CumulativeIdleHours and FuelUsed to each machine's entry (3 readings per machine per
snapshot).

  a. through the hub: each snapshot is served as the OEM APIs page it, 100 machines
     a page (Links self/next/last), each page posted as it is to
     /flows/telematics.aemp_snapshot, in turn an XML document in the ISO namespace
     (datetime attributes), an XML document in the JCMA namespace (datetime child
     elements, milliseconds, placeholder install dates) and a JSON document;
     processed by queue_job's runner into readings and daily usage (the snapshots
     posted one after another while the runner works, as a poller sends them); then
     the equipment cost of the period staged by the period wizard over JSON-RPC;
  b. beside it, readings created one by one through Odoo's JSON-RPC
     (construction.equipment.reading create as the admin: a sample, extrapolated to
     the hub's count; no matching, no assignment, no usage: the floor of the cost).

Per worker: the end-to-end rate over the workers (``--workers``, 2 by default; run
it with 1 too), and each worker's time on a page from the message attempts (its
processing apart from the API's).

At the end the counts are checked: readings, daily usage rows, staged cost lines
against what the fleet sent, no message in dead letter or waiting.

Usage: python tests/bench/bench_equipment.py --conf ODOO_CONF --db DB (setup/bench.sh
makes the database). Prints a table and writes results/equipment.json.
"""

import argparse
import importlib.util
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO / "tests"))
from common import BenchDatabase, http_post  # noqa: E402
from live_server import LiveOdoo  # noqa: E402

API = "/api/construction/v1"
FLOW = "telematics.aemp_snapshot"
ISO = "http://standards.iso.org/iso/15143/-3"
JCMA = "http://www.jcmanet.or.jp/english2017/ISO/15143/-3/20190501"
SNAPSHOT_HOURS = 6
# (section, reading kind, value element, step per snapshot, unit element)
METERS = [
    ("CumulativeOperatingHours", "operating_hours", "Hour", 1.5, None),
    ("CumulativeIdleHours", "idle_hours", "Hour", 0.5, None),
    ("FuelUsed", "fuel_used", "FuelConsumed", 22.0, ("FuelUnits", "litre")),
]
RATES = {"operating": 95.0, "idle": 40.0, "standby": 15.0}


def load_aemp():
    """lib/aemp.py is plain Python: the documents sent are checked with the parser
    the flow uses before any is posted."""
    # it reads XML with the hub's safe parser (odoo.addons.integration_queue)
    import odoo.addons  # noqa: PLC0415

    addons = str(REPO / "addons")
    if addons not in odoo.addons.__path__:
        odoo.addons.__path__.append(addons)
    path = REPO / "addons" / "equipment_costing" / "lib" / "aemp.py"
    spec = importlib.util.spec_from_file_location("bench_aemp", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def iso(moment, millis=False):
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (".250Z" if millis else "Z")


class Fleet:
    """The machines of one run and the documents their telematics portal serves."""

    def __init__(self, run, machines, snapshots, meters, page_size, start):
        self.run, self.machines, self.snapshots = run, machines, snapshots
        self.meters = METERS[:meters]
        self.page_size = page_size
        self.start = start

    def pin(self, i):
        return f"BENCH{self.run.upper()}{i:05d}"

    def moment(self, snapshot):
        return self.start + timedelta(hours=SNAPSHOT_HOURS * snapshot + 3)

    def value(self, i, snapshot, meter):
        _section, _kind, _element, step, _unit = meter
        # a plausible meter: a steady step, a little different per machine
        return round(1000 + i + snapshot * step * (1 + i % 5 / 10), 2)

    def header(self, i):
        return {
            "OEMName": "CAT",
            "Model": "336",
            "EquipmentID": f"EQ-{self.pin(i)}",
            "SerialNumber": f"SN{self.pin(i)}",
            "PIN": self.pin(i),
        }

    def pages(self, snapshot):
        """(idempotency key, content type, body) of each page of a snapshot."""
        dialect = ("iso", "jcma", "json")[snapshot % 3]
        count = -(-self.machines // self.page_size)
        for page in range(count):
            first = page * self.page_size
            machines = range(first, min(first + self.page_size, self.machines))
            links = [("self", page + 1), ("last", count)]
            if page + 1 < count:
                links.insert(1, ("next", page + 2))
            key = f"{self.run}-s{snapshot}-p{page}"
            if dialect == "json":
                body = json.dumps(self._json(snapshot, machines, links)).encode()
                yield key, "application/json", body
            else:
                yield (
                    key,
                    "application/xml",
                    self._xml(snapshot, machines, links, dialect),
                )

    def _links_href(self, page):
        return f"https://telematics.example.com/Fleet/{self.run}/{page}"

    def _json(self, snapshot, machines, links):
        when = iso(self.moment(snapshot))
        equipment = []
        for i in machines:
            item = {"EquipmentHeader": self.header(i)}
            for meter in self.meters:
                section, _kind, element, _step, unit = meter
                item[section] = {
                    "datetime": when,
                    element: self.value(i, snapshot, meter),
                }
                if unit:
                    item[section][unit[0]] = unit[1]
            equipment.append(item)
        return {
            "Fleet": {
                "version": "1",
                "snapshotTime": when,
                "Links": [
                    {"rel": rel, "href": self._links_href(page)} for rel, page in links
                ],
                "Equipment": equipment,
            }
        }

    def _xml(self, snapshot, machines, links, dialect):
        jcma = dialect == "jcma"
        when = iso(self.moment(snapshot), millis=jcma)
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<Fleet xmlns="{JCMA if jcma else ISO}" version="1" '
            f'snapshotTime="{when}">',
        ]
        parts += [
            f"<Links><rel>{rel}</rel><href>{self._links_href(page)}</href></Links>"
            for rel, page in links
        ]
        for i in machines:
            header = "".join(f"<{k}>{v}</{k}>" for k, v in self.header(i).items())
            if jcma:
                # what Japanese OEMs send for an install date they do not know
                header += (
                    "<UnitInstallDateTime>0001-01-01T00:00:00Z</UnitInstallDateTime>"
                )
            parts.append(f"<Equipment><EquipmentHeader>{header}</EquipmentHeader>")
            for meter in self.meters:
                section, _kind, element, _step, unit = meter
                inner = f"<{element}>{self.value(i, snapshot, meter)}</{element}>"
                if unit:
                    inner = f"<{unit[0]}>{unit[1]}</{unit[0]}>" + inner
                if jcma:
                    parts.append(
                        f"<{section}>{inner}<datetime>{when}</datetime></{section}>"
                    )
                else:
                    parts.append(f'<{section} datetime="{when}">{inner}</{section}>')
            parts.append("</Equipment>")
        parts.append("</Fleet>")
        return "".join(parts).encode()

    def expected(self, tz):
        """Readings, and daily usage rows: one per machine and company day a
        snapshot falls on (the first reading of a meter is its baseline, but its
        day still has a row)."""
        days = {
            self.moment(s).replace(tzinfo=UTC).astimezone(tz).date()
            for s in range(self.snapshots)
        }
        readings = self.machines * self.snapshots * len(self.meters)
        return readings, self.machines * len(days), min(days), max(days)


class Bench(BenchDatabase):
    def xmlid(self, server, xmlid):
        module, name = xmlid.split(".")
        return server.rpc(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            fields=["res_id"],
        )[0]["res_id"]

    def setup(self, server, fleet):
        """The admin as equipment manager (rates, staging) and reading writer (the
        native sample); the machines with their rates, assigned to a demo job
        from the day before the first snapshot."""
        manager = self.xmlid(server, "equipment_costing.group_equipment_manager")
        server.rpc("res.users", "write", [2], {"groups_id": [(4, manager)]})
        # readings are written by the telematics flow's service users only, and
        # those have no RPC: the native sample needs the admin allowed to create
        # them, in this throwaway database only
        model = self.xmlid(
            server, "equipment_costing.model_construction_equipment_reading"
        )
        server.rpc(
            "ir.model.access",
            "create",
            {
                "name": "bench: admin creates readings over JSON-RPC",
                "model_id": model,
                "group_id": self.xmlid(server, "base.group_system"),
                "perm_read": True,
                "perm_create": True,
            },
        )
        job = self.xmlid(server, "construction_project_sync.demo_job_library")
        cost_code = self.xmlid(server, "construction_project_sync.demo_cc_31_200")
        company = server.rpc("project.project", "read", [job], ["company_id"])[0][
            "company_id"
        ][0]
        tz = server.rpc("res.company", "read", [company], ["partner_id"])[0][
            "partner_id"
        ][0]
        tz = server.rpc("res.partner", "read", [tz], ["tz"])[0]["tz"] or "UTC"
        ids = []
        for chunk in range(0, fleet.machines, 200):
            ids += server.rpc(
                "maintenance.equipment",
                "create",
                [
                    {
                        "name": f"Bench excavator {fleet.pin(i)}",
                        "equipment_number": f"EQ-{fleet.pin(i)}",
                        "ownership": "owned",
                        "oem_name": "CAT",
                        "model": "336",
                        "serial_no": f"SN{fleet.pin(i)}",
                        "pin": fleet.pin(i),
                        "company_id": company,
                    }
                    for i in range(chunk, min(chunk + 200, fleet.machines))
                ],
            )
        first_day = (fleet.start - timedelta(days=2)).date().isoformat()
        for chunk in range(0, len(ids), 200):
            part = ids[chunk : chunk + 200]
            server.rpc(
                "construction.equipment.rate",
                "create",
                [
                    {
                        "equipment_id": machine,
                        "kind": kind,
                        "amount": amount,
                        "date_from": first_day,
                    }
                    for machine in part
                    for kind, amount in RATES.items()
                ],
            )
            server.rpc(
                "construction.equipment.assignment",
                "create",
                [
                    {
                        "equipment_id": machine,
                        "job_id": job,
                        "cost_code_id": cost_code,
                        "date_start": f"{first_day} 00:00:00",
                    }
                    for machine in part
                ],
            )
        return ids, company, ZoneInfo(tz)

    def check_documents(self, fleet):
        """Each dialect's first page read by lib/aemp as the flow will read it."""
        aemp = load_aemp()
        for snapshot in range(min(3, fleet.snapshots)):
            _key, content_type, body = next(fleet.pages(snapshot))
            parsed = aemp.parse_fleet(body, content_type)
            readings = sum(len(item.readings) for item in parsed.equipment)
            expected = min(fleet.page_size, fleet.machines) * len(fleet.meters)
            assert readings == expected, (snapshot, readings, expected)

    def wait_done(self, run, n_messages, timeout):
        """Until every message of the run is processed; fails at once on one the
        hub gave up on."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            states = dict(
                self.sql(
                    "SELECT state, count(*) FROM integration_message "
                    "WHERE idempotency_key LIKE %s GROUP BY state",
                    [f"{run}-%"],
                )
            )
            if states.get("dead") or states.get("rejected"):
                raise RuntimeError(f"messages given up on: {states}")
            if states.get("done", 0) >= n_messages:
                return
            time.sleep(0.5)
        raise RuntimeError(f"{states} of {n_messages} after {timeout} s")

    def hub(self, server, key, fleet, machine_ids, company, tz, timeout):
        url = server.url + API + "/flows/" + FLOW
        n_messages = 0
        posted_bytes = 0
        start = time.perf_counter()
        for snapshot in range(fleet.snapshots):
            for idem, content_type, body in fleet.pages(snapshot):
                status, answer = http_post(
                    url,
                    body,
                    {
                        "Content-Type": content_type,
                        "Authorization": f"Bearer {key}",
                        "Idempotency-Key": idem,
                    },
                )
                assert status == 202, (status, answer)
                n_messages += 1
                posted_bytes += len(body)
        accepted = time.perf_counter()
        self.wait_done(fleet.run, n_messages, timeout)
        processed = time.perf_counter()
        readings, usage_rows, first_day, last_day = fleet.expected(tz)
        # a worker's time on a page (matching, readings, usage), apart from the
        # API's: what one worker could do were the API elsewhere
        page_ms, page_p95_ms = self.sql(
            "SELECT avg(a.duration_ms), percentile_cont(0.95) WITHIN GROUP "
            "(ORDER BY a.duration_ms) FROM integration_message_attempt a "
            "JOIN integration_message m ON m.id = a.message_id "
            "WHERE m.idempotency_key LIKE %s AND a.outcome = 'done'",
            [f"{fleet.run}-%"],
        )[0]
        wizard = server.rpc(
            "construction.equipment.cost.staging",
            "create",
            {
                "date_from": first_day.isoformat(),
                "date_to": last_day.isoformat(),
                "company_ids": [(6, 0, [company])],
                "equipment_ids": [(6, 0, machine_ids)],
            },
        )
        server.rpc("construction.equipment.cost.staging", "action_stage", [wizard])
        staged = time.perf_counter()
        return {
            "messages": n_messages,
            "megabytes_posted": posted_bytes / 1e6,
            "ingest_s": accepted - start,
            "processing_after_ingest_s": processed - accepted,
            "end_to_end_s": processed - start,
            "end_to_end_readings_per_s": readings / (processed - start),
            "staging_s": staged - processed,
            "processing_ms_per_page": page_ms,
            "processing_p95_ms_per_page": page_p95_ms,
            "processing_readings_per_worker_s": readings / n_messages / page_ms * 1000,
            "expected": {
                "readings": readings,
                "usage_rows": usage_rows,
                "days": [first_day.isoformat(), last_day.isoformat()],
            },
        }

    def check(self, fleet, machine_ids, system_id, expected):
        """What the hub stored against what the fleet sent."""
        readings = self.sql(
            "SELECT count(*) FROM construction_equipment_reading "
            "WHERE equipment_id = ANY(%s) AND system_id = %s",
            [machine_ids, system_id],
        )[0][0]
        usage, flagged, unassigned, duplicates = self.sql(
            """SELECT count(*), count(*) FILTER (WHERE state != 'ok'),
                      count(*) FILTER (WHERE job_id IS NULL),
                      count(*) - count(DISTINCT (equipment_id, date, assignment_id))
                 FROM construction_equipment_usage WHERE equipment_id = ANY(%s)""",
            [machine_ids],
        )[0]
        # one cost line per usage row and kind with hours (operating, idle, standby)
        cost_expected, cost = self.sql(
            """SELECT (SELECT count(*) FILTER (WHERE operating_hours > 0)
                            + count(*) FILTER (WHERE idle_hours > 0)
                            + count(*) FILTER (WHERE standby_hours > 0)
                         FROM construction_equipment_usage
                        WHERE equipment_id = ANY(%(ids)s)),
                      (SELECT count(*) FROM construction_equipment_cost
                        WHERE equipment_id = ANY(%(ids)s))""",
            {"ids": machine_ids},
        )[0]
        # the days' operating hours add up to what each machine's meter moved: no
        # step counted twice (a stale baseline) nor lost
        off_meter = self.sql(
            """WITH meter AS (
                   SELECT equipment_id, max(value) - min(value) AS moved
                     FROM construction_equipment_reading
                    WHERE equipment_id = ANY(%(ids)s) AND system_id = %(system)s
                      AND kind = 'operating_hours'
                    GROUP BY equipment_id),
               used AS (
                   SELECT equipment_id, sum(operating_hours) AS hours
                     FROM construction_equipment_usage
                    WHERE equipment_id = ANY(%(ids)s)
                    GROUP BY equipment_id)
               SELECT count(*) FROM meter LEFT JOIN used USING (equipment_id)
                WHERE abs(coalesce(used.hours, 0) - meter.moved) > 0.05""",
            {"ids": machine_ids, "system": system_id},
        )[0][0]
        states = dict(
            self.sql(
                "SELECT state, count(*) FROM integration_message "
                "WHERE idempotency_key LIKE %s GROUP BY state",
                [f"{fleet.run}-%"],
            )
        )
        # messages that failed once (a concurrent snapshot of the same machines)
        # and went through on a retry
        retried = self.sql(
            "SELECT count(*) FROM integration_message "
            "WHERE idempotency_key LIKE %s AND attempt_count > 1",
            [f"{fleet.run}-%"],
        )[0][0]
        exceptions = self.sql(
            "SELECT count(*) FROM integration_exception e "
            "JOIN integration_message m ON m.id = e.message_id "
            "WHERE m.idempotency_key LIKE %s",
            [f"{fleet.run}-%"],
        )[0][0]
        found = {
            "readings": readings,
            "usage_rows": usage,
            "usage_flagged": flagged,
            "usage_without_job": unassigned,
            "usage_duplicates": duplicates,
            "machines_usage_off_meter": off_meter,
            "messages_retried": retried,
            "cost_lines": cost,
            "cost_lines_expected": cost_expected,
            "messages": states,
            "exceptions": exceptions,
        }
        problems = []
        if readings != expected["readings"]:
            problems.append(f"readings {readings} != {expected['readings']}")
        if usage != expected["usage_rows"]:
            problems.append(f"usage rows {usage} != {expected['usage_rows']}")
        if flagged or unassigned or duplicates or exceptions:
            problems.append("flagged, unassigned or duplicate usage, or exceptions")
        if off_meter:
            problems.append(f"{off_meter} machines' usage differs from their meter")
        if not cost or cost != cost_expected:
            problems.append(f"cost lines {cost} != {cost_expected}")
        if set(states) != {"done"}:
            problems.append(f"messages not all done: {states}")
        return found, problems

    def native(self, server, machine_ids, company, n):
        """Readings created one per JSON-RPC call, a day before the hub's, so they
        change nothing the hub stored."""
        moment = datetime(2020, 1, 1, 6)
        start = time.perf_counter()
        for i in range(n):
            server.rpc(
                "construction.equipment.reading",
                "create",
                {
                    "equipment_id": machine_ids[i % len(machine_ids)],
                    "company_id": company,
                    "kind": "operating_hours",
                    "value": 500.0 + i,
                    "unit": "h",
                    "reading_datetime": (moment + timedelta(minutes=i)).strftime(
                        "%Y-%m-%d %H:%M:%S"
                    ),
                },
            )
        return n / (time.perf_counter() - start)

    def run(self, args):
        run = f"eq{uuid.uuid4().hex[:6]}"
        today = datetime.now(UTC).date()
        days = -(-args.snapshots * SNAPSHOT_HOURS // 24)
        start = datetime.combine(today - timedelta(days=days + 2), dtime.min)
        fleet = Fleet(
            run, args.machines, args.snapshots, args.meters, args.page_size, start
        )
        self.check_documents(fleet)
        server = LiveOdoo(self.conf, self.db, workers=args.workers).start()
        try:
            machine_ids, company, tz = self.setup(server, fleet)
            key = server.new_system(
                f"bench-{run}",
                [FLOW],
                rate_limit=0,
                groups=["equipment_costing.group_equipment_user"],
            )
            system_id = server.rpc(
                "integration.system", "search", [("code", "=", f"bench-{run}")]
            )[0]
            hub = self.hub(server, key, fleet, machine_ids, company, tz, args.timeout)
            found, problems = self.check(fleet, machine_ids, system_id, hub["expected"])
            native = self.native(server, machine_ids, company, args.native_single)
        finally:
            server.stop()
        return {
            "run": run,
            "machines": args.machines,
            "snapshots": args.snapshots,
            "meters": args.meters,
            "workers": args.workers,
            "hub": hub,
            "found": found,
            "problems": problems,
            "native_one_by_one_per_s": native,
            "native_sample": args.native_single,
            "load_average": os.getloadavg(),
        }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--machines", type=int, default=1000)
    parser.add_argument("--snapshots", type=int, default=100)
    parser.add_argument(
        "--meters",
        type=int,
        choices=(1, 2, 3),
        default=1,
        help="meter sections per machine and snapshot (readings each)",
    )
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--native-single", type=int, default=2000)
    parser.add_argument("--timeout", type=int, default=3600)
    args = parser.parse_args()
    load = os.getloadavg()
    result = Bench(args.conf, args.db).run(args)
    hub = result["hub"]
    readings = hub["expected"]["readings"]
    rate = hub["end_to_end_readings_per_s"]
    native = result["native_one_by_one_per_s"]
    rows = [
        ("pages posted (XML ISO, XML JCMA, JSON)", f"{hub['messages']:7d}"),
        ("API ingest, while the runner works", f"{hub['ingest_s']:7.1f} s"),
        (
            "queue left after the last POST",
            f"{hub['processing_after_ingest_s']:7.1f} s",
        ),
        ("end to end (readings + daily usage)", f"{rate:7.1f} readings/s"),
        ("  per worker", f"{rate / args.workers:7.1f} readings/s"),
        (
            "worker time per page (mean, p95)",
            f"{hub['processing_ms_per_page']:7.0f} ms, "
            f"{hub['processing_p95_ms_per_page']:.0f} ms",
        ),
        (
            "  a worker's processing alone",
            f"{hub['processing_readings_per_worker_s']:7.1f} readings/s",
        ),
        ("cost staging of the period", f"{hub['staging_s']:7.1f} s"),
        (
            f"native JSON-RPC create, one per call ({args.native_single:,} sample)",
            f"{native:7.1f} readings/s",
        ),
        (
            f"  extrapolated to {readings:,}",
            f"{readings / native:7.1f} s (hub {hub['end_to_end_s']:.1f} s)",
        ),
    ]
    print(
        f"equipment telematics, {args.machines:,} machines × {args.snapshots} "
        f"snapshots × {args.meters} meter(s) = {readings:,} readings, "
        f"{args.workers} workers, load average before {load[0]:.2f}:"
    )
    print("\n".join(f"  {label:<48}: {value}" for label, value in rows))
    print(f"  check: {json.dumps(result['found'])}")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "equipment.json").write_text(json.dumps(result, indent=2, default=str))
    if result["problems"]:
        print("  PROBLEMS: " + "; ".join(result["problems"]))
        sys.exit(1)


if __name__ == "__main__":
    main()
