"""Payables end to end on this machine (not part of CI's pass/fail).

1. Three-way match: 10,000 vendor bill lines (draft bills of 20 lines, one per
   purchase order) against 10,000 purchase order lines, received through their
   incoming pickings (one order in 25 left unreceived), all set up over JSON-RPC,
   untimed. Among the lines: a price 10 % over (price variance), a quantity one
   over the receipt (over-billed), a line linked to no order line (order line not
   found). Timed: ``account.move._ap_match()`` on all the bills, through a server
   action run over JSON-RPC in chunks of 50 bills, once one chunk at a time (one
   worker) and once from two clients at a time (two workers); the stored line
   results are cleared by SQL before each run so that every line's result is written
   again (the bills' hub exceptions stay open: the routing finds them). Every line
   is then checked: matched, or held for the reason its set-up means.
2. UBL: 1,000 UBL 2.1 / Peppol BIS 3.0 invoices made from the fixture
   addons/ap_matching/tests/fixtures/invoice_order_refs.xml (number, dates,
   quantities and amounts varied, `cac:OrderReference` on one of the orders above)
   posted one per request to /api/construction/v1/flows/vendor_bill.ubl as
   application/xml and processed by queue_job's runner (2 workers) into draft bills
   through Odoo's UBL decoder: documents/s from the first POST to the last bill.
   Checked: one bill per document, no message in dead letter. Beside it the same
   bills (two lines on their order lines) created one per call through Odoo's
   JSON-RPC ``account.move`` ``create``: a sample (200 by default), extrapolated.

Usage: python tests/bench/bench_ap.py --conf ODOO_CONF --db DB (setup/bench.sh makes
the database). Prints a table and writes results/ap.json. The database is modified:
use a throwaway one.
"""

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import BenchDatabase  # noqa: E402
from live_server import ADMIN, LiveOdoo  # noqa: E402

API = "/api/construction/v1"
FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "addons/ap_matching/tests/fixtures/invoice_order_refs.xml"
)
LINES_PER_BILL = 20
ORDERED_QTY = 10.0
UNRECEIVED_EVERY = 25  # one order in 25 is not received
PRICE_LINE, OVER_LINE, UNLINKED_LINE = 5, 11, 17  # positions on each bill
MATCH_CHUNK = 50  # bills per server action call
BILL_DATE = date(2027, 1, 4)
VENDOR = {
    "name": "Bouwmaterialen Peeters NV",
    "is_company": True,
    "vat": "BE0477472701",  # the fixture's supplier, found by its VAT id
}
PRODUCTS = [("APB-REBAR", "Bench rebar 12 mm"), ("APB-BLOCK", "Bench block 20 cm")]


def expected_reason(order_index, position):
    if position == UNLINKED_LINE:
        return "po_line_not_found"
    if order_index % UNRECEIVED_EVERY == UNRECEIVED_EVERY - 1:
        return "not_received"
    if position == OVER_LINE:
        return "over_billed_qty"
    if position == PRICE_LINE:
        return "price_variance"
    return False


class Bench(BenchDatabase):
    def rpc(self, server, model, method, *args, timeout=1800, **kwargs):
        """JSON-RPC as the admin, with room for a long call."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [self.db, 2, ADMIN[1], model, method, list(args), kwargs],
            },
        }
        request = urllib.request.Request(
            f"{server.url}/jsonrpc",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.loads(response.read())
        if "error" in body:
            raise RuntimeError(body["error"]["data"]["message"])
        return body.get("result")

    # ------------------------------------------------------------ set-up
    def setup(self, server, n_orders):
        """The vendor, two products bought on received quantities, the orders
        (confirmed, received but one in 25) and their draft bills."""
        company = self.rpc(server, "res.users", "read", [2], ["company_id"])[0][
            "company_id"
        ][0]
        self.window = self.rpc(
            server, "res.company", "read", [company], ["ap_duplicate_window_days"]
        )[0]["ap_duplicate_window_days"]
        # the bench's own tolerances, so the expected reasons do not depend on demo
        self.rpc(
            server,
            "res.company",
            "write",
            [company],
            {
                "ap_price_tolerance_percent": 5.0,
                "ap_price_tolerance_amount": 0.0,
                "ap_qty_tolerance_percent": 0.0,
                "ap_qty_tolerance_qty": 0.0,
                "ap_total_tolerance_percent": 5.0,
                "ap_total_tolerance_amount": 0.0,
            },
        )
        vendor = self.rpc(
            server, "res.partner", "search", [("vat", "=", VENDOR["vat"])]
        )
        self.vendor = (
            vendor[0] if vendor else self.rpc(server, "res.partner", "create", VENDOR)
        )
        self.products = []
        for code, name in PRODUCTS:
            found = self.rpc(
                server, "product.product", "search", [("default_code", "=", code)]
            )
            self.products.append(
                found[0]
                if found
                else self.rpc(
                    server,
                    "product.product",
                    "create",
                    {
                        "name": name,
                        "default_code": code,
                        "type": "consu",
                        "purchase_method": "receive",
                        "supplier_taxes_id": [(5, 0, 0)],
                        "taxes_id": [(5, 0, 0)],
                    },
                )
            )
        order_ids = []
        for start in range(0, n_orders, 25):
            order_ids += self.rpc(
                server,
                "purchase.order",
                "create",
                [
                    {
                        "partner_id": self.vendor,
                        "order_line": [
                            (
                                0,
                                0,
                                {
                                    "product_id": self.products[j % 2],
                                    "product_qty": ORDERED_QTY,
                                    "price_unit": self.price(i),
                                    "taxes_id": [(5, 0, 0)],
                                },
                            )
                            for j in range(LINES_PER_BILL)
                        ],
                    }
                    for i in range(start, min(start + 25, n_orders))
                ],
            )
        for start in range(0, n_orders, 50):
            self.rpc(
                server,
                "purchase.order",
                "button_confirm",
                order_ids[start : start + 50],
            )
        received = [
            oid
            for i, oid in enumerate(order_ids)
            if i % UNRECEIVED_EVERY != UNRECEIVED_EVERY - 1
        ]
        for start in range(0, len(received), 50):
            chunk = received[start : start + 50]
            moves = self.rpc(
                server,
                "stock.move",
                "search",
                [("purchase_line_id.order_id", "in", chunk), ("state", "!=", "done")],
            )
            self.rpc(
                server,
                "stock.move",
                "write",
                moves,
                {"quantity": ORDERED_QTY, "picked": True},
            )
            pickings = self.rpc(
                server,
                "stock.picking",
                "search",
                [("purchase_id", "in", chunk), ("state", "not in", ("done", "cancel"))],
            )
            self.rpc(server, "stock.picking", "button_validate", pickings)
        orders = self.rpc(
            server,
            "purchase.order",
            "read",
            order_ids,
            ["name", "order_line"],
        )
        self.orders = [(o["id"], o["name"], sorted(o["order_line"])) for o in orders]
        bill_ids = []
        for start in range(0, n_orders, 25):
            bill_ids += self.rpc(
                server,
                "account.move",
                "create",
                [self.bill(i) for i in range(start, min(start + 25, n_orders))],
            )
        self.bill_ids = bill_ids

    @staticmethod
    def price(i):
        # one price per order: no two bills have the same total (no duplicates)
        return round(10.0 + i * 0.01, 2)

    def bill(self, i):
        _order, name, lines = self.orders[i]
        vals = []
        for j, order_line in enumerate(lines):
            vals.append(
                (
                    0,
                    0,
                    {
                        "product_id": self.products[j % 2],
                        "name": f"{name}/{j + 1}",
                        "quantity": ORDERED_QTY + (1 if j == OVER_LINE else 0),
                        "price_unit": round(
                            self.price(i) * (1.1 if j == PRICE_LINE else 1.0), 2
                        ),
                        "tax_ids": [(5, 0, 0)],
                        "purchase_line_id": (
                            False if j == UNLINKED_LINE else order_line
                        ),
                    },
                )
            )
        return {
            "move_type": "in_invoice",
            "partner_id": self.vendor,
            "invoice_date": BILL_DATE.isoformat(),
            "ref": f"APB-MATCH-{i:05d}",
            "invoice_origin": name,
            "invoice_line_ids": vals,
        }

    # ------------------------------------------------------------ match
    def reset_match(self):
        """Forget the stored results, so the timed run writes every one again."""
        self.sql(
            "UPDATE account_move_line SET ap_match_state = NULL, "
            "ap_match_reason = NULL, ap_match_codes = NULL, ap_match_note = NULL, "
            "ap_po_qty = 0, ap_received_qty = 0, ap_billed_before_qty = 0, "
            "ap_po_price_unit = 0, ap_bill_price_unit = 0, ap_price_variance = 0 "
            "WHERE move_id = ANY(%s)",
            [self.bill_ids],
        )
        self.sql(
            "UPDATE account_move SET ap_match_state = NULL, ap_reason_codes = NULL, "
            "ap_on_hold = false WHERE id = ANY(%s)",
            [self.bill_ids],
        )

    def match(self, server, action, clients):
        chunks = [
            self.bill_ids[start : start + MATCH_CHUNK]
            for start in range(0, len(self.bill_ids), MATCH_CHUNK)
        ]
        errors = []

        def work(mine):
            try:
                for ids in mine:
                    self.rpc(
                        server,
                        "ir.actions.server",
                        "run",
                        [action],
                        context={"active_model": "account.move", "active_ids": ids},
                    )
            except Exception as exc:  # reported after the run
                errors.append(exc)

        self.reset_match()
        threads = [
            threading.Thread(target=work, args=(chunks[k::clients],))
            for k in range(clients)
        ]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
        if errors:
            raise errors[0]
        return seconds

    def check_match(self):
        rows = self.sql(
            "SELECT l.move_id, l.name, l.ap_match_state, l.ap_match_reason "
            "FROM account_move_line l WHERE l.move_id = ANY(%s) "
            "AND l.display_type = 'product'",
            [self.bill_ids],
        )
        index = {bill: i for i, bill in enumerate(self.bill_ids)}
        outcome, wrong = Counter(), []
        for move_id, name, state, reason in rows:
            position = int(name.rsplit("/", 1)[1]) - 1
            expected = expected_reason(index[move_id], position)
            got = {"exception": reason, "matched": False}.get(state, ("state", state))
            outcome[reason or state] += 1
            if got != expected:
                wrong.append((name, state, reason, expected))
        return len(rows), dict(outcome), wrong

    # ------------------------------------------------------------ UBL
    def ubl(self, k, issue, number):
        """Document ``k``: two lines on the first two lines of an order."""
        i = k % len(self.orders)
        _order, name, _lines = self.orders[i]
        price = self.price(i)
        q1, q2 = 1 + k % 7, 1 + k % 5
        a1, a2 = round(q1 * price, 2), round(q2 * price, 2)
        untaxed = round(a1 + a2, 2)
        tax = round(untaxed * 0.21, 2)
        document = FIXTURE.read_text()
        for old, new in (
            ("INV-2026-0042", number),
            ("2026-11-20", issue.isoformat()),
            ("2026-12-20", (issue + timedelta(days=30)).isoformat()),
            ("P-AP-0042", name),
            ('"C62">40<', f'"C62">{q1}<'),
            ('"C62">200<', f'"C62">{q2}<'),
            (">1000.00<", f">{a1:.2f}<"),
            (">500.00<", f">{a2:.2f}<"),
            (">25.00<", f">{price:.2f}<"),
            (">2.50<", f">{price:.2f}<"),
            (">1500.00<", f">{untaxed:.2f}<"),
            (">315.00<", f">{tax:.2f}<"),
            (">1815.00<", f">{untaxed + tax:.2f}<"),
            ("REBAR-12", PRODUCTS[0][0]),
            ("BLOCK-20", PRODUCTS[1][0]),
        ):
            assert old in document, old
            document = document.replace(old, new)
        return document.encode(), (i, q1, q2)

    def issue_date(self, k, base):
        # a second round on the same orders is dated past the duplicate window
        return base + timedelta(days=(k // len(self.orders)) * (self.window + 1))

    def hub_ubl(self, server, key, run, n):
        base = BILL_DATE + timedelta(days=40)
        documents = [
            self.ubl(k, self.issue_date(k, base), f"{run}-{k:05d}")[0] for k in range(n)
        ]
        done_q = (
            "SELECT count(*) FROM integration_message "
            "WHERE idempotency_key LIKE %s AND state IN ('done', 'dead')"
        )
        start = time.perf_counter()
        for k, document in enumerate(documents):
            request = urllib.request.Request(
                server.url + API + "/flows/vendor_bill.ubl",
                data=document,
                headers={
                    "Content-Type": "application/xml",
                    "Authorization": f"Bearer {key}",
                    "Idempotency-Key": f"{run}-{k:05d}",
                },
            )
            with urllib.request.urlopen(request, timeout=120) as response:
                assert response.status == 202, response.read()
        posted = time.perf_counter()
        deadline = time.time() + 3600
        while self.sql(done_q, [f"{run}-%"])[0][0] < n:
            if time.time() > deadline:
                raise RuntimeError("UBL documents not processed within an hour")
            time.sleep(0.2)
        end = time.perf_counter()
        states = dict(
            self.sql(
                "SELECT state, count(*) FROM integration_message "
                "WHERE idempotency_key LIKE %s GROUP BY state",
                [f"{run}-%"],
            )
        )
        bills = self.sql(
            "SELECT count(DISTINCT m.id), count(DISTINCT m.ap_message_id) "
            "FROM account_move m "
            "JOIN integration_message im ON im.id = m.ap_message_id "
            "WHERE im.idempotency_key LIKE %s AND m.move_type = 'in_invoice'",
            [f"{run}-%"],
        )[0]
        return {
            "post_s": posted - start,
            "end_to_end_s": end - start,
            "documents_per_s": n / (end - start),
            "message_states": states,
            "bills": bills[0],
            "messages_with_bill": bills[1],
        }

    def native_bills(self, server, run, n):
        base = BILL_DATE + timedelta(days=200)
        start = time.perf_counter()
        for k in range(n):
            _document, (i, q1, q2) = self.ubl(k, base, "x")
            _order, name, lines = self.orders[i]
            self.rpc(
                server,
                "account.move",
                "create",
                {
                    "move_type": "in_invoice",
                    "partner_id": self.vendor,
                    "invoice_date": self.issue_date(k, base).isoformat(),
                    "ref": f"{run}-{k:05d}",
                    "invoice_origin": name,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": self.products[j],
                                "quantity": qty,
                                "price_unit": self.price(i),
                                "purchase_line_id": lines[j],
                            },
                        )
                        for j, qty in enumerate((q1, q2))
                    ],
                },
            )
        return n / (time.perf_counter() - start)

    # ------------------------------------------------------------ run
    def run(self, n_lines, n_ubl, n_native):
        n_orders = n_lines // LINES_PER_BILL
        results = {"load_average_before": os.getloadavg()}
        server = LiveOdoo(self.conf, self.db, workers=2).start()
        try:
            start = time.perf_counter()
            self.setup(server, n_orders)
            results["setup_s"] = time.perf_counter() - start
            action = self.rpc(
                server,
                "ir.actions.server",
                "create",
                {
                    "name": "Bench: three-way match",
                    "model_id": self.rpc(
                        server,
                        "ir.model",
                        "search",
                        [("model", "=", "account.move")],
                    )[0],
                    "state": "code",
                    "code": "records._ap_match()",
                },
            )
            n = n_orders * LINES_PER_BILL
            one = self.match(server, action, clients=1)
            two = self.match(server, action, clients=2)
            checked, outcome, wrong = self.check_match()
            results["match"] = {
                "lines": n,
                "one_worker_s": one,
                "one_worker_lines_per_s": n / one,
                "two_workers_s": two,
                "two_workers_lines_per_s": n / two,
                "per_worker_lines_per_s_at_two": n / two / 2,
                "lines_checked": checked,
                "outcome": outcome,
                "unexpected": wrong[:20],
                "unexpected_count": len(wrong),
            }
            key = server.new_system(
                "bench-ap",
                ["vendor_bill.ubl"],
                rate_limit=0,
                groups=["ap_matching.group_ap_clerk"],
            )
            results["ubl"] = self.hub_ubl(server, key, "apb-ubl", n_ubl)
            results["native_one_by_one_per_s"] = self.native_bills(
                server, "APB-RPC", n_native
            )
        finally:
            server.stop()
        results["load_average_after"] = os.getloadavg()
        return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--ubl", type=int, default=1000)
    parser.add_argument("--native", type=int, default=200)
    args = parser.parse_args()
    results = Bench(args.conf, args.db).run(args.lines, args.ubl, args.native)
    match, ubl = results["match"], results["ubl"]
    native = results["native_one_by_one_per_s"]
    rows = [
        ("set-up (orders, receipts, bills; untimed)", f"{results['setup_s']:9.1f} s"),
        ("match, 1 worker", f"{match['one_worker_lines_per_s']:9.1f} lines/s"),
        ("match, 2 workers", f"{match['two_workers_lines_per_s']:9.1f} lines/s"),
        ("  per worker at 2", f"{match['per_worker_lines_per_s_at_two']:9.1f} lines/s"),
        ("  lines not as expected", f"{match['unexpected_count']:9d}"),
        ("UBL POST (one document per request)", f"{ubl['post_s']:9.1f} s"),
        ("UBL end to end (2 job workers)", f"{ubl['documents_per_s']:9.1f} docs/s"),
        ("  bills / dead letters", f"{ubl['bills']} / {ubl['message_states']}"),
        ("native JSON-RPC bill create, one per call", f"{native:9.1f} bills/s"),
        (
            f"  {args.ubl:,} bills at that rate (extrapolated)",
            f"{args.ubl / native:9.1f} s",
        ),
    ]
    print(
        f"payables, {match['lines']:,} bill lines, {args.ubl:,} UBL documents, "
        f"{args.native} native bills; load average "
        f"{results['load_average_before'][0]:.2f} → "
        f"{results['load_average_after'][0]:.2f}:"
    )
    print("\n".join(f"  {label:<44}: {value}" for label, value in rows))
    print(f"  match outcome: {match['outcome']}")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "ap.json").write_text(json.dumps(results, indent=2, default=str))
    assert not match["unexpected_count"], match["unexpected"]
    assert ubl["bills"] == args.ubl and "dead" not in ubl["message_states"], ubl


if __name__ == "__main__":
    main()
