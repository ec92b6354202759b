from odoo.tests import tagged

from .common import MatchCase


@tagged("post_install", "-at_install")
class TestViews(MatchCase):
    """The payables screens open for the people who use them."""

    def test_views_open_for_each_group(self):
        Move = self.env["account.move"]
        for user in (self.clerk, self.manager):
            with self.subTest(user=user.login):
                views = Move.with_user(user).get_views(
                    [(False, "form"), (False, "list"), (False, "search")]
                )
                form = views["views"]["form"]["arch"]
                self.assertIn("ap_match_line_ids", form)
                self.assertIn("action_ap_open_resolution", form)
        hold_list = self.env.ref("ap_matching.account_move_view_list_ap_hold")
        Move.with_user(self.clerk).get_views([(hold_list.id, "list")])
        worklist = self.env.ref("ap_matching.integration_exception_view_list_ap")
        self.env["integration.exception"].with_user(self.site_manager).get_views(
            [(worklist.id, "list"), (False, "form"), (False, "search")]
        )
        self.env["ap.hold.resolution"].with_user(self.clerk).get_views(
            [(False, "form")]
        )
        partner_form = (
            self.env["res.partner"]
            .with_user(self.manager)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn("ap_vendor_on_hold", partner_form)
        self.env["res.config.settings"].get_views([(False, "form")])

    def test_bill_form_loads_the_match_panel(self):
        order = self.make_po()
        self.receive(order)
        bill = self.bill([(order.order_line, 10, 120)])
        data = bill.with_user(self.clerk).web_read(
            {
                "ap_match_state": {},
                "ap_reason_summary": {},
                "ap_open_exception_count": {},
                "ap_match_line_ids": {
                    "fields": {
                        "purchase_line_id": {"fields": {"display_name": {}}},
                        "ap_po_qty": {},
                        "ap_received_qty": {},
                        "ap_billed_before_qty": {},
                        "ap_po_price_unit": {},
                        "ap_bill_price_unit": {},
                        "ap_price_variance": {},
                        "ap_match_reason": {},
                    }
                },
            }
        )[0]
        self.assertEqual(data["ap_match_state"], "exception")
        self.assertEqual(data["ap_open_exception_count"], 2)
        line = data["ap_match_line_ids"][0]
        self.assertEqual(
            (line["ap_po_price_unit"], line["ap_bill_price_unit"]), (100, 120)
        )
        self.assertEqual(line["ap_match_reason"], "price_variance")
        # the site manager reads the worklist, bill names included
        exceptions = (
            self.env["integration.exception"]
            .with_user(self.site_manager)
            .search([("ap_bill_id", "=", bill.id)])
        )
        exceptions.web_read({"ap_bill_id": {"fields": {"display_name": {}}}})
