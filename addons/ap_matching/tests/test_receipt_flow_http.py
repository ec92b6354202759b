# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo.tests import HttpCase, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    make_system,
    perform_jobs,
)


@tagged("post_install", "-at_install")
class TestReceiptFlowOverHttp(FlowHttpMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow = cls.env.ref("ap_matching.flow_receipt_confirm")
        cls.system, cls.key = make_system(
            cls.env,
            "site_app_test",
            cls.flow,
            groups=["ap_matching.group_ap_site_receiver"],
        )
        perform_jobs(cls.env)
        cls.vendor = cls.env["res.partner"].create({"name": "Test Ready-Mix"})
        Product = cls.env["product.product"]
        cls.concrete = Product.create(
            {
                "name": "Test Concrete C30",
                "default_code": "T-C30",
                "is_storable": True,
                "uom_id": cls.env.ref("uom.product_uom_unit").id,
                "uom_po_id": cls.env.ref("uom.product_uom_unit").id,
            }
        )
        cls.rebar = Product.create(
            {"name": "Test Rebar 12", "default_code": "T-RB12", "is_storable": True}
        )

    def make_order(self, company=None):
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        order = env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "company_id": (company or self.env.company).id,
                "order_line": [
                    (0, 0, {"product_id": self.concrete.id, "product_qty": 10}),
                    (0, 0, {"product_id": self.rebar.id, "product_qty": 5}),
                ],
            }
        )
        order.button_confirm()
        return order

    def confirmation(self, order, ref, lines, **extra):
        return {
            "external_id": ref,
            "purchase_order": order.name,
            "date": "2026-11-30T14:05:00Z",
            "received_by": "Test Foreman",
            "lines": lines,
            **extra,
        }

    def test_partial_receipt_leaves_a_backorder_and_keeps_the_delivery_note(self):
        order = self.make_order()
        concrete, rebar = order.order_line
        photo = base64.b64encode(b"\xff\xd8\xff test photo").decode()
        payload = self.confirmation(
            order,
            "RC-1",
            [
                {"po_line_id": concrete.id, "quantity": 6},
                {"product_code": "T-RB12", "quantity": 5},
            ],
            delivery_note="DN-7781",
            attachments=[
                {"name": "dn-7781.jpg", "mimetype": "image/jpeg", "data": photo}
            ],
        )
        message = self.sync_flow("receipt.confirm", payload, "rc-1")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual((concrete.qty_received, rebar.qty_received), (6, 5))
        received = order.picking_ids.filtered(lambda p: p.state == "done")
        backorder = order.picking_ids - received
        self.assertEqual(len(received), 1)
        self.assertEqual(str(received.date_done), "2026-11-30 14:05:00")
        self.assertEqual(backorder.move_ids.product_id, self.concrete)
        self.assertEqual(backorder.move_ids.product_uom_qty, 4)
        self.assertEqual(backorder.state, "assigned")
        self.assertEqual(
            message.lineage_ids.mapped("res_id"), received.ids, "the lineage names it"
        )
        note = received.message_ids.filtered(lambda m: "DN-7781" in (m.body or ""))
        self.assertIn("Test Foreman", note.body)
        self.assertEqual(note.attachment_ids.name, "dn-7781.jpg")

        # the rest arrives: the backorder is received in turn
        message = self.sync_flow(
            "receipt.confirm",
            self.confirmation(
                order, "RC-2", [{"po_line_id": concrete.id, "quantity": 4}]
            ),
            "rc-2",
        )
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(concrete.qty_received, 10)
        self.assertEqual(backorder.state, "done")

    def test_the_same_confirmation_again_receives_nothing_twice(self):
        order = self.make_order()
        concrete = order.order_line[0]
        payload = self.confirmation(
            order, "RC-10", [{"po_line_id": concrete.id, "quantity": 3}]
        )
        first = self.sync_flow("receipt.confirm", payload, "rc-10")
        self.assertEqual(first.state, "done", first.error_message)
        # the same message (same key), then the same confirmation as a new message
        again = self.post_flow("receipt.confirm", payload, "rc-10")
        self.assertEqual(again.json()["message_id"], first.id)
        resent = self.sync_flow("receipt.confirm", payload, "rc-10-resent")
        self.assertEqual(resent.state, "done", resent.error_message)
        self.assertEqual(concrete.qty_received, 3)
        self.assertEqual(len(order.picking_ids), 2, "one receipt, one backorder")
        self.assertIn(
            "nothing is received twice", resent.attempt_ids[-1:].error_message or ""
        )

    def test_over_receipt_is_refused_whole_or_received_and_flagged(self):
        order = self.make_order()
        concrete, rebar = order.order_line
        lines = [
            {"po_line_id": concrete.id, "quantity": 12},
            {"po_line_id": rebar.id, "quantity": 2},
        ]
        refused = self.sync_flow(
            "receipt.confirm", self.confirmation(order, "RC-20", lines), "rc-20"
        )
        self.assertEqual(refused.state, "dead")
        self.assertEqual(refused.error_code, "over_receipt")
        self.assertIn("12 Units confirmed, 10 still expected", refused.error_message)
        self.assertEqual((concrete.qty_received, rebar.qty_received), (0, 0))

        order.company_id.ap_over_receipt_policy = "flag"
        refused.action_replay()
        perform_jobs(self.env)
        refused.invalidate_recordset()
        self.assertEqual(refused.state, "done", refused.error_message)
        self.assertEqual((concrete.qty_received, rebar.qty_received), (12, 2))
        dead_letter = refused.exception_ids.filtered("dead_letter")
        self.assertEqual(dead_letter.state, "resolved", "the replay went through")
        exception = refused.exception_ids - dead_letter
        self.assertEqual(
            (exception.reason_code, exception.state), ("over_receipt", "open")
        )
        self.assertIn(order.name, exception.name)

    def test_unknown_order_line_unit_and_other_company_are_plain_errors(self):
        order = self.make_order()
        unknown = self.sync_flow(
            "receipt.confirm",
            {
                "external_id": "RC-30",
                "purchase_order": "P-NOPE",
                "lines": [{"product_code": "X", "quantity": 1}],
            },
            "rc-30",
        )
        self.assertEqual(unknown.error_code, "unknown_purchase_order")
        self.assertEqual(unknown.state, "failed", "the order may be confirmed later")
        no_line = self.sync_flow(
            "receipt.confirm",
            self.confirmation(
                order, "RC-31", [{"product_code": "T-NONE", "quantity": 1}]
            ),
            "rc-31",
        )
        self.assertEqual(
            (no_line.state, no_line.error_code),
            ("dead", "purchase_order_line_not_found"),
        )
        bad_unit = self.sync_flow(
            "receipt.confirm",
            self.confirmation(
                order, "RC-32", [{"product_code": "T-C30", "quantity": 1, "uom": "kg"}]
            ),
            "rc-32",
        )
        self.assertEqual(
            (bad_unit.state, bad_unit.error_code), ("dead", "unknown_unit")
        )
        # another company's order is invisible to this system's service user
        other = self.env["res.company"].create({"name": "Test Receipts Other Co"})
        self.env.user.company_ids |= other
        foreign = self.make_order(company=other)
        hidden = self.sync_flow(
            "receipt.confirm",
            self.confirmation(
                foreign, "RC-33", [{"product_code": "T-C30", "quantity": 1}]
            ),
            "rc-33",
        )
        self.assertEqual(hidden.error_code, "unknown_purchase_order")
        self.assertEqual(foreign.order_line[0].qty_received, 0)

    def test_a_dozen_received_is_twelve_units(self):
        order = self.make_order()
        message = self.sync_flow(
            "receipt.confirm",
            self.confirmation(
                order,
                "RC-40",
                [{"product_code": "T-C30", "quantity": 0.5, "uom": "Dozens"}],
            ),
            "rc-40",
        )
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(order.order_line[0].qty_received, 6)
