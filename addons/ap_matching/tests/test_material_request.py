# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    make_system,
    perform_jobs,
)

PM = "base.group_user,construction_project_sync.group_project_manager"
BUYER = (
    "base.group_user,purchase.group_purchase_user,"
    "purchase_request.group_purchase_request_manager"
)


@tagged("post_install", "-at_install")
class TestMaterialRequest(FlowHttpMixin, HttpCase):
    """Site request → approval by the job's approvers → orders per vendor, with the
    job × cost code carried to the purchase order lines."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.flow = env.ref("ap_matching.flow_material_request_submit")
        cls.system, cls.key = make_system(
            env,
            "site_requests_test",
            cls.flow,
            groups=[
                "purchase_request.group_purchase_request_user",
                "construction_project_sync.group_project_manager",
            ],
        )
        perform_jobs(env)
        cls.job = env["project.project"].create(
            {"name": "Test Depot", "is_job": True, "job_number": "T-MR-1"}
        )
        env["integration.mapping"]._link(cls.system, cls.job, "PRJ-MR")
        cls.concrete_code = env["construction.cost.code"].create(
            {"code": "T-03300", "name": "Cast-in-place", "cost_type": "material"}
        )
        cls.rebar_code = env["construction.cost.code"].create(
            {"code": "T-03200", "name": "Reinforcement", "cost_type": "material"}
        )
        Partner = env["res.partner"]
        cls.readymix = Partner.create({"name": "Test Ready-Mix Ltd"})
        cls.steel = Partner.create({"name": "Test Steel Co"})
        cls.rebar_code.ap_preferred_vendor_id = cls.steel
        Product = env["product.product"]
        cls.concrete = Product.create(
            {
                "name": "Test Concrete C30",
                "default_code": "T-MR-C30",
                "is_storable": True,
                "seller_ids": [(0, 0, {"partner_id": cls.readymix.id, "price": 95})],
            }
        )
        cls.rebar = Product.create(
            {"name": "Test Rebar 16", "default_code": "T-MR-RB16", "is_storable": True}
        )
        cls.pm = new_test_user(env, "mr_pm", groups=PM)
        cls.pm2 = new_test_user(env, "mr_pm2", groups=PM)
        cls.buyer = new_test_user(env, "mr_buyer", groups=BUYER)

    def payload(self, ref="MR-1", **changes):
        return {
            "external_id": ref,
            "job_external_id": "PRJ-MR",
            "cost_code": "T-03300",
            "needed_by": "2026-12-10",
            "delivery_location": "Gate 2, laydown B",
            "requested_by": "Test Foreman",
            "lines": [
                {"product_code": "T-MR-C30", "quantity": 12, "estimated_price": 95},
                {
                    "product_code": "T-MR-RB16",
                    "quantity": 800,
                    "estimated_price": 1.2,
                    "cost_code": "T-03200",
                },
            ],
            **changes,
        }

    def submit(self, ref="MR-1", key=None, **changes):
        message = self.sync_flow(
            "material_request.submit", self.payload(ref, **changes), key or ref
        )
        self.assertEqual(message.state, "done", message.error_message)
        return self.env["integration.mapping"]._resolve(
            self.system, "purchase.request", ref
        )

    def test_site_request_is_coded_and_submitted_once(self):
        request = self.submit()
        self.assertEqual(request.state, "to_approve")
        self.assertEqual(request.job_id, self.job)
        self.assertEqual(request.estimated_total, 12 * 95 + 800 * 1.2)
        self.assertEqual(request.submitted_by_id, self.system.user_id)
        concrete, rebar = request.line_ids.sorted("product_id")
        if concrete.product_id != self.concrete:
            concrete, rebar = rebar, concrete
        self.assertEqual(
            concrete.analytic_distribution,
            self.job._analytic_distribution(self.concrete_code),
        )
        self.assertEqual(rebar.cost_code_id, self.rebar_code)
        self.assertEqual(
            rebar.analytic_distribution,
            self.job._analytic_distribution(self.rebar_code),
        )
        # the same request again under a new key: nothing new
        count = self.env["purchase.request"].search_count([])
        again = self.submit(key="MR-1-resent")
        self.assertEqual(again, request)
        self.assertEqual(self.env["purchase.request"].search_count([]), count)

    def test_unknown_product_stays_text_and_unknown_job_waits(self):
        request = self.submit(
            "MR-2",
            lines=[{"product_code": "T-NOPE", "quantity": 3, "description": "Shims"}],
        )
        self.assertFalse(request.line_ids.product_id)
        self.assertEqual(request.line_ids.name, "Shims")
        message = self.sync_flow(
            "material_request.submit",
            self.payload("MR-3", job_external_id="PRJ-NONE"),
            "MR-3",
        )
        self.assertEqual(
            (message.state, message.error_code), ("failed", "unknown_reference")
        )

    def test_approval_is_the_suites_mechanism(self):
        request = self.submit("MR-4")
        # the service user prepared it; no write opens a way around the buttons
        with self.assertRaises(UserError):
            request.with_user(self.pm).write({"state": "approved"})
        with self.assertRaises(UserError):
            request.with_user(self.pm).write({"approved_by_id": self.pm.id})
        # whoever changes the request prepares it and cannot approve it
        request.with_user(self.pm2).button_draft()
        request.with_user(self.pm2).write({"delivery_location": "Gate 3"})
        request.with_user(self.pm2).button_to_approve()
        with self.assertRaises(UserError):
            request.with_user(self.pm2).button_approved()
        request.with_user(self.pm).button_approved()
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.approved_by_id, self.pm)
        # approved: locked, lines too
        with self.assertRaises(UserError):
            request.with_user(self.pm2).write({"date_needed": "2027-01-01"})
        with self.assertRaises(UserError):
            request.line_ids[0].with_user(self.pm2).write({"product_qty": 99})
        with self.assertRaises(UserError):
            request.line_ids.with_user(self.pm2).do_cancel()

    def test_amount_tier_needs_a_second_approver(self):
        self.env["construction.approval.rule"].create(
            [
                {
                    "name": "Material over 1,000: the job's controller too",
                    "res_model": "purchase.request",
                    "group_id": self.env.ref(
                        "construction_project_sync.group_project_controller"
                    ).id,
                    "min_amount": 1000,
                }
            ]
        )
        request = self.submit("MR-5")
        with self.assertRaises(UserError):
            request.with_user(self.pm).button_approved()
        controller = new_test_user(
            self.env,
            "mr_controller",
            groups="base.group_user,construction_project_sync.group_project_controller",
        )
        request.with_user(controller).button_approved()
        self.assertEqual(request.state, "approved")

    def test_reject_needs_a_reason_and_cancels_the_lines(self):
        request = self.submit("MR-6")
        action = request.with_user(self.pm).button_rejected()
        self.assertEqual(action["res_model"], "construction.approval.reject")
        with self.assertRaises(UserError):
            request.with_user(self.pm).action_reject("  ")
        request.with_user(self.pm).action_reject("Use the stock on site")
        self.assertEqual(request.state, "rejected")
        self.assertEqual(request.rejection_reason, "Use the stock on site")
        self.assertTrue(all(request.line_ids.mapped("cancelled")))

    def test_approved_lines_are_ordered_per_vendor_with_their_coding(self):
        request = self.submit("MR-7")
        with self.assertRaises(UserError):
            request.with_user(self.buyer).action_create_purchase_orders()
        request.with_user(self.pm).button_approved()
        with self.assertRaises(UserError):
            request.with_user(self.pm).action_create_purchase_orders()
        action = request.with_user(self.buyer).action_create_purchase_orders()
        orders = self.env["purchase.order"].browse(action["domain"][0][2])
        self.assertEqual(orders.partner_id, self.readymix | self.steel)
        self.assertEqual(request.state, "in_progress")
        for line in request.line_ids:
            self.assertEqual(len(line.purchase_lines), 1)
            self.assertEqual(
                line.purchase_lines.analytic_distribution, line.analytic_distribution
            )
            self.assertEqual(line.bill_state, "none")
        steel_order = orders.filtered(lambda o: o.partner_id == self.steel)
        self.assertEqual(steel_order.order_line.product_id, self.rebar)
        with self.assertRaises(UserError):
            request.with_user(self.buyer).action_create_purchase_orders()

    def test_attack_only_an_ap_manager_lifts_a_vendor_policy(self):
        """A buyer who may edit contacts unblocks no vendor and extends no
        compliance date to get an order through."""
        self.steel.ap_purchase_blocked = True
        self.readymix.ap_compliance_expiry = "2026-12-01"
        # a buyer who keeps the vendors' contact details
        buyer = new_test_user(
            self.env, "mr_vendor_clerk", groups=BUYER + ",base.group_partner_manager"
        )
        for user in (buyer,):
            for vals in (
                {"ap_purchase_blocked": False},
                {"ap_compliance_expiry": "2030-12-31"},
                {"ap_compliance_expiry": False},
            ):
                partner = self.steel if "ap_purchase_blocked" in vals else self.readymix
                with self.assertRaisesRegex(UserError, "Only an AP manager"):
                    partner.with_user(user).write(vals)
        self.assertTrue(self.steel.ap_purchase_blocked)
        self.assertEqual(str(self.readymix.ap_compliance_expiry), "2026-12-01")
        # the other contact details stay theirs to edit
        self.steel.with_user(buyer).write({"phone": "+1 555 0100"})

    def test_vendor_policy_holds_the_order_and_raises_an_exception(self):
        self.steel.ap_purchase_blocked = True
        self.readymix.ap_compliance_expiry = "2026-12-01"
        request = self.submit("MR-8")
        request.with_user(self.pm).button_approved()
        action = request.with_user(self.buyer).action_create_purchase_orders()
        self.assertEqual(action["tag"], "display_notification")
        self.assertFalse(request.line_ids.purchase_lines)
        exceptions = self.env["integration.exception"].search(
            [("res_model", "=", "purchase.request"), ("res_id", "=", request.id)]
        )
        self.assertEqual(set(exceptions.mapped("reason_code")), {"vendor_policy"})
        self.assertEqual(len(exceptions), 2)
        self.assertIn("blocked", " ".join(exceptions.mapped("name")))
        # purchase_request's own wizard obeys the same policy (its writes on the
        # locked request's lines are opened here as ordering opens them)
        rebar_line = request.line_ids.filtered(
            lambda line: line.product_id == self.rebar
        )
        with request._approval_unlock():
            wizard = (
                self.env["purchase.request.line.make.purchase.order"]
                .with_user(self.buyer)
                .with_context(
                    active_model="purchase.request.line", active_ids=rebar_line.ids
                )
                .create({"supplier_id": self.steel.id})
            )
            with self.assertRaisesRegex(UserError, "blocked for purchasing"):
                wizard.make_purchase_order()
