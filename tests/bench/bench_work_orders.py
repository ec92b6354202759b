"""Work order status events end to end on this machine (not part of CI's pass/fail).

500 devices (crew tablets), each with its work orders (one by default; created
untimed over JSON-RPC on one job and mapped to the platform's ids), report
``work_order.status`` events (2,000 by default; the issue's figure is ``--events
50000``): dispatched, started, paused, started again ..., completed, with strictly
increasing event times per order. They reach the API as the field platform forwards
the devices' uploads: a message is one device's queue (the flow's ``events``) of at
most ``--per-message`` events (25 by default) among those it gathered over 2,000
events of the stream; batch POSTs of 1,000 envelopes from two clients at a time, in
event-time order except that

- 10 % of the events arrive late (out of order: sent after newer events of their
  work order), and
- 10 % are sent twice (a device resending: the same event id under a new
  idempotency key, later in the stream).

Timed: from the first POST to the last message done (queue_job's runner, 2
workers). Checked: every message done, each event stored once, and every work
order's status and status time equal to its newest event's.

Usage: python tests/bench/bench_work_orders.py --conf ODOO_CONF --db DB
[--events 2000] [--devices 500] [--orders-per-device 1] [--per-message 25]. Prints
a table and writes results/work_orders.json. The database is modified: use a
throwaway one.
"""

import argparse
import json
import os
import random
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import BenchDatabase, post_json  # noqa: E402
from live_server import LiveOdoo  # noqa: E402

API = "/api/construction/v1"
BATCH = 1000
STATUSES = ("started", "paused")
LATE_SHARE = DUPLICATE_SHARE = 0.10
START = datetime(2027, 3, 1, 6, 0, 0)


def device_messages(stream, per_message, window=2000):
    """The stream as devices upload it: each device sends what it has every
    ``window`` events of the stream (its queue when it comes online), at most
    ``per_message`` events to a message; messages in the order of their first
    event."""
    open_message, messages = {}, []
    for position, event in enumerate(stream):
        key = (event["device_id"], position // window)
        current = open_message.get(key)
        if current is None or len(current) == per_message:
            current = open_message[key] = []
            messages.append(current)
        current.append(event)
    return messages


def plan_events(n_events, n_orders, n_devices, rng):
    """Per work order, its events in time order: dispatched, then started / paused
    alternating, completed last. Returns [event dict]."""
    per_order = [n_events // n_orders] * n_orders
    for i in range(n_events % n_orders):
        per_order[i] += 1
    events = []
    for order, count in enumerate(per_order):
        device = f"tablet-{order % n_devices:03d}"
        for k in range(count):
            if k == 0:
                status = "dispatched"
            elif k == count - 1:
                status = "completed"
            else:
                status = STATUSES[(k - 1) % 2]
            events.append(
                {
                    "work_order_external_id": f"BWO-{order:05d}",
                    "status": status,
                    # orders interleave in time; each order's events a minute apart
                    "event_time": (
                        START + timedelta(minutes=k, seconds=order % 60)
                    ).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "device_id": device,
                    "event_id": f"bev-{order:05d}-{k:04d}",
                }
            )
    return events


def arrival_order(events, rng):
    """The stream as it reaches the API: time order, 10 % of the events held back
    and sent after newer ones of their order, 10 % sent once more later on."""
    stream = sorted(events, key=lambda e: (e["event_time"], e["event_id"]))
    n = len(stream)
    late = set(rng.sample(range(n), int(n * LATE_SHARE)))
    on_time = [e for i, e in enumerate(stream) if i not in late]
    result = list(on_time)
    for i in sorted(late):
        # held back by 50 to 5,000 positions: newer events of its order are through
        position = min(len(result), i + rng.randint(50, 5000))
        result.insert(position, stream[i])
    dup_positions = rng.sample(range(n), int(n * DUPLICATE_SHARE))
    for i in sorted(dup_positions, reverse=True):
        position = min(len(result), i + rng.randint(1, 3000))
        result.insert(position, result[i])
    return result, len(late), len(dup_positions)


class Bench(BenchDatabase):
    def setup(self, server, n_orders):
        key = server.new_system(
            "bench_fieldsvc",
            ["work_order.upsert", "work_order.status"],
            groups=["construction_project_sync.group_project_manager"],
        )
        job = server.rpc(
            "project.project",
            "create",
            {"name": "Bench field service", "is_job": True, "job_number": "BWO-JOB"},
        )
        system = self.sql(
            "SELECT id FROM integration_system WHERE code = 'bench_fieldsvc'"
        )[0][0]
        server.rpc(
            "integration.mapping",
            "create",
            {
                "system_id": system,
                "res_model": "project.project",
                "res_id": job,
                "external_id": "BWO-JOB",
            },
        )
        # the work orders and their mappings straight over JSON-RPC: set-up only
        for start in range(0, n_orders, 500):
            tasks = server.rpc(
                "project.task",
                "create",
                [
                    {
                        "name": f"Bench work order {order}",
                        "project_id": job,
                        "is_work_order": True,
                    }
                    for order in range(start, min(start + 500, n_orders))
                ],
            )
            server.rpc(
                "integration.mapping",
                "create",
                [
                    {
                        "system_id": system,
                        "res_model": "project.task",
                        "res_id": task,
                        "external_id": f"BWO-{order:05d}",
                    }
                    for order, task in zip(
                        range(start, min(start + 500, n_orders)), tasks, strict=True
                    )
                ],
            )
        return key, system

    def wait(self, pattern, n, timeout=7200):
        deadline = time.time() + timeout
        query = (
            "SELECT count(*) FROM integration_message "
            "WHERE idempotency_key LIKE %s AND state IN ('done', 'dead')"
        )
        while self.sql(query, [pattern])[0][0] < n:
            if time.time() > deadline:
                raise RuntimeError(f"{pattern}: not processed in time")
            time.sleep(0.5)

    def send(self, server, key, messages):
        envelopes = [
            {"idempotency_key": f"bwo-ev-{i:06d}", "payload": {"events": events}}
            for i, events in enumerate(messages)
        ]
        batches = [
            envelopes[start : start + BATCH]
            for start in range(0, len(envelopes), BATCH)
        ]
        errors = []

        def client(mine):
            for batch in mine:
                try:
                    status, _body = post_json(
                        server.url + API + "/flows/work_order.status",
                        batch,
                        {"Authorization": f"Bearer {key}"},
                    )
                    assert status == 202, status
                except Exception as exc:  # noqa: BLE001 (reported below)
                    errors.append(exc)

        # two clients, each its half in order, as two gateways forwarding devices
        threads = [
            threading.Thread(target=client, args=(batches[i::2],)) for i in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def check(self, system, events):
        newest = {}
        for event in events:
            ref = event["work_order_external_id"]
            if ref not in newest or event["event_time"] > newest[ref]["event_time"]:
                newest[ref] = event
        rows = self.sql(
            "SELECT map.external_id, t.work_order_status, t.work_order_status_time "
            "FROM integration_mapping map JOIN project_task t ON t.id = map.res_id "
            "WHERE map.system_id = %s AND map.res_model = 'project.task'",
            [system],
        )
        wrong = [
            ref
            for ref, status, at in rows
            if ref in newest
            and (
                status != newest[ref]["status"]
                or at.strftime("%Y-%m-%dT%H:%M:%SZ") != newest[ref]["event_time"]
            )
        ]
        stored = self.sql(
            "SELECT outcome, count(*) FROM construction_work_order_event "
            "WHERE system_id = %s GROUP BY outcome",
            [system],
        )
        states = self.sql(
            "SELECT state, count(*) FROM integration_message "
            "WHERE idempotency_key LIKE 'bwo-ev-%%' GROUP BY state"
        )
        return {
            "orders_checked": len(rows),
            "orders_wrong": len(wrong),
            "wrong_sample": wrong[:10],
            "events_stored": dict(stored),
            "message_states": dict(states),
        }

    def run(self, n_events, n_devices, per_device, per_message):
        rng = random.Random(20270301)
        n_orders = n_devices * per_device
        events = plan_events(n_events, n_orders, n_devices, rng)
        stream, n_late, n_dup = arrival_order(events, rng)
        messages = device_messages(stream, per_message)
        results = {
            "events": n_events,
            "devices": n_devices,
            "work_orders": n_orders,
            "late": n_late,
            "duplicates": n_dup,
            "events_sent": len(stream),
            "messages": len(messages),
            "load_average_before": os.getloadavg(),
        }
        server = LiveOdoo(self.conf, self.db, workers=2).start()
        try:
            start = time.perf_counter()
            key, system = self.setup(server, n_orders)
            results["setup_s"] = time.perf_counter() - start
            start = time.perf_counter()
            self.send(server, key, messages)
            results["post_s"] = time.perf_counter() - start
            self.wait("bwo-ev-%", len(messages))
            results["end_to_end_s"] = time.perf_counter() - start
        finally:
            server.stop()
        results["events_per_s"] = n_events / results["end_to_end_s"]
        results["messages_per_s"] = len(messages) / results["end_to_end_s"]
        results.update(self.check(system, events))
        results["load_average_after"] = os.getloadavg()
        return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--orders-per-device", type=int, default=1)
    parser.add_argument("--per-message", type=int, default=25)
    args = parser.parse_args()
    results = Bench(args.conf, args.db).run(
        args.events, args.devices, args.orders_per_device, args.per_message
    )
    rows = [
        ("set-up (work orders upserted; untimed)", f"{results['setup_s']:9.1f} s"),
        (
            f"{results['messages']:,} messages ({results['events']:,} events, "
            f"{results['late']:,} late, {results['duplicates']:,} resent) POSTed",
            f"{results['post_s']:9.1f} s",
        ),
        ("first POST → last message done", f"{results['end_to_end_s']:9.1f} s"),
        ("events / s end to end", f"{results['events_per_s']:9.1f}"),
        ("messages / s end to end", f"{results['messages_per_s']:9.1f}"),
        ("message states", str(results["message_states"])),
        ("events stored by outcome", str(results["events_stored"])),
        (
            "work orders whose status ≠ newest event",
            f"{results['orders_wrong']} of {results['orders_checked']}",
        ),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "work_orders.json").write_text(json.dumps(results, indent=2, default=str))
    assert results["orders_wrong"] == 0, results["wrong_sample"]
    assert set(results["message_states"]) == {"done"}, results["message_states"]
    assert sum(results["events_stored"].values()) == results["events"], results


if __name__ == "__main__":
    main()
