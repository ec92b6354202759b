from odoo.tests import tagged

from .common import MatchCase


@tagged("post_install", "-at_install")
class TestHeldBillsInSummaries(MatchCase):
    """Bills on hold read as AP says them, on their job's summary."""

    def test_bills_on_hold_for_price_are_counted_and_totalled(self):
        self.env["integration.exception"].search(
            [("state", "in", ("open", "in_progress"))]
        ).write({"state": "cancelled"})
        first, second = self.make_po(), self.make_po()
        self.receive(first)
        self.receive(second)
        one = self.bill([(first.order_line, 10, 120)])
        two = self.bill([(second.order_line, 10, 111)])
        one.ref, two.ref = "INV-1", "INV-2"
        self.assertIn("price_variance", one.ap_exception_ids.mapped("reason_code"))
        self.assertEqual(one._integration_scope(), self.job)
        summary = self.job._discrepancy_summary()
        self.assertIn(
            "2 bill(s) on hold for price variance, totalling $\xa02,310.00: "
            "INV-1 and INV-2.",
            summary,
        )

    def test_a_price_ten_times_the_order_is_called_a_misplaced_decimal(self):
        order, other = self.make_po(), self.make_po()
        self.receive(order)
        self.receive(other)
        slip = self.bill([(order.order_line, 10, 1000)])
        rise = self.bill([(other.order_line, 10, 120)])
        price = slip.ap_exception_ids.filtered(
            lambda e: e.reason_code == "price_variance"
        )
        self.assertIn(
            "10× the order's price: a misplaced decimal point?", price.description
        )
        self.assertNotIn(
            "misplaced", " ".join(rise.ap_exception_ids.mapped("description"))
        )

    def test_a_bill_coded_to_two_jobs_is_on_both_jobs_summaries(self):
        other_job = self.env["project.project"].create(
            {"name": "Test Second Job", "is_job": True, "job_number": "T-SUM-2"}
        )
        bill = self.bill([(False, 1, 400), (False, 1, 600)])
        bill.ref = "INV-TWO-JOBS"
        first, second = bill.invoice_line_ids
        first.analytic_distribution = self.distribution
        second.analytic_distribution = other_job._analytic_distribution(self.concrete)
        self.assertIn("no_po", bill.ap_exception_ids.mapped("reason_code"))
        self.assertEqual(bill._integration_scope(), self.job)
        for job in (self.job, other_job):
            self.assertIn("INV-TWO-JOBS", job._discrepancy_summary())
        # a job it does not code hears nothing of it
        third = self.env["project.project"].create(
            {"name": "Test Third Job", "is_job": True, "job_number": "T-SUM-3"}
        )
        self.assertNotIn("INV-TWO-JOBS", third._discrepancy_summary())
