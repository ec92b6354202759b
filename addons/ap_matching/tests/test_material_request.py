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

    def order_wizard(self, lines, vendor):
        """purchase_request's Create RFQ wizard, opened by the buyer on ``lines``
        of approved requests, ``vendor`` chosen."""
        return (
            self.env["purchase.request.line.make.purchase.order"]
            .with_user(self.buyer)
            .with_context(active_model="purchase.request.line", active_ids=lines.ids)
            .create({"supplier_id": vendor.id})
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
        wizard = self.order_wizard(rebar_line, self.steel)
        with self.assertRaisesRegex(UserError, "blocked for purchasing"):
            wizard.make_purchase_order()

    def test_attack_a_second_vendor_record_carries_the_first_ones_blocks(self):
        """A contact editor who cannot lift a vendor's block makes a new record of
        the same vendor (same tax id, typed another way) and orders from it: the
        policy reads both records."""
        self.steel.write({"vat": "BE0477472701", "ap_purchase_blocked": True})
        clerk = new_test_user(
            self.env, "mr_twin_clerk", groups=BUYER + ",base.group_partner_manager"
        )
        twin = (
            self.env["res.partner"]
            .with_user(clerk)
            .create({"name": "Steel Co (new address)", "vat": "be 0477.472.701"})
        )
        self.assertEqual(
            twin._ap_purchase_problem(), "the vendor is blocked for purchasing."
        )
        self.rebar_code.ap_preferred_vendor_id = twin
        request = self.submit("MR-TWIN")
        request.with_user(self.pm).button_approved()
        request.with_user(self.buyer).action_create_purchase_orders()
        self.assertFalse(
            request.line_ids.purchase_lines.filtered(
                lambda line: line.partner_id == twin
            )
        )
        # nor an order entered by hand for the twin, or for the vendor itself
        for vendor in (twin, self.steel):
            order = (
                self.env["purchase.order"]
                .with_user(self.buyer)
                .create(
                    {
                        "partner_id": vendor.id,
                        "order_line": [
                            (0, 0, {"product_id": self.rebar.id, "product_qty": 1})
                        ],
                    }
                )
            )
            with self.assertRaisesRegex(UserError, "blocked for purchasing"):
                order.button_confirm()
            self.assertEqual(order.state, "draft")
        # nor does retyping the blocked vendor's tax id, or hanging it under
        # another company, shed its block (a restricted vendor's identity is the AP
        # manager's to change)
        for vals in (
            {"vat": "BE0403019261"},
            {"parent_id": self.readymix.id},
            {"is_company": False},
        ):
            with self.assertRaisesRegex(UserError, "Only an AP manager"):
                self.steel.with_user(clerk).write(vals)
        # nor does archiving it first and ordering from a new record
        self.steel.with_user(clerk).action_archive()
        fresh = (
            self.env["res.partner"]
            .with_user(clerk)
            .create({"name": "Steel Co (fresh)", "vat": "BE0477472701"})
        )
        self.assertEqual(
            fresh._ap_purchase_problem(), "the vendor is blocked for purchasing."
        )
        self.steel.with_user(clerk).action_unarchive()
        # an unrestricted vendor's details stay the contact editor's
        self.readymix.with_user(clerk).write({"vat": "BE0403019261"})
        # an expired compliance date on one record binds the other as well
        self.steel.write(
            {"ap_purchase_blocked": False, "ap_compliance_expiry": "2026-01-31"}
        )
        self.assertIn("compliance expired", twin._ap_purchase_problem())
        # another vendor's record is not a twin
        self.assertFalse(self.readymix._ap_purchase_problem())

    def test_a_jobs_rule_adds_its_approver_on_that_job_only(self):
        other_job = self.env["project.project"].create(
            {"name": "Test Other Depot", "is_job": True, "job_number": "T-MR-2"}
        )
        self.env["integration.mapping"]._link(self.system, other_job, "PRJ-MR-2")
        self.env["construction.approval.rule"].create(
            {
                "name": "Depot material: its controller too",
                "res_model": "purchase.request",
                "group_id": self.env.ref(
                    "construction_project_sync.group_project_controller"
                ).id,
                "job_id": self.job.id,
            }
        )
        on_job = self.submit("MR-JOB-1")
        with self.assertRaises(UserError):
            on_job.with_user(self.pm).button_approved()
        self.assertEqual(on_job.state, "to_approve")
        controller = new_test_user(
            self.env,
            "mr_job_controller",
            groups="base.group_user,construction_project_sync.group_project_controller",
        )
        on_job.with_user(controller).button_approved()
        self.assertEqual(on_job.state, "approved")
        # another job: the project manager alone approves
        elsewhere = self.submit("MR-JOB-2", job_external_id="PRJ-MR-2")
        elsewhere.with_user(self.pm).button_approved()
        self.assertEqual(elsewhere.state, "approved")

    def test_vendor_approved_for_other_cost_types_gets_no_order(self):
        """A vendor approved for subcontract work only is not sent a material order:
        not by Order from Vendors, not by the chosen-vendor wizard, not by a
        purchase order entered by hand."""
        subcontract_only = self.env.ref("ap_matching.cost_type_subcontract")
        # only an AP manager sets what a vendor is approved for
        with self.assertRaisesRegex(UserError, "Only an AP manager"):
            self.steel.with_user(self.buyer).write(
                {"ap_cost_type_ids": [(6, 0, subcontract_only.ids)]}
            )
        self.steel.ap_cost_type_ids = subcontract_only
        request = self.submit("MR-CT")
        request.with_user(self.pm).button_approved()
        request.with_user(self.buyer).action_create_purchase_orders()
        rebar_line = request.line_ids.filtered(
            lambda line: line.product_id == self.rebar
        )
        self.assertFalse(rebar_line.purchase_lines)
        exception = self.env["integration.exception"].search(
            [("res_model", "=", "purchase.request"), ("res_id", "=", request.id)]
        )
        self.assertIn("not approved for material", exception.name)
        wizard = self.order_wizard(rebar_line, self.steel)
        with self.assertRaisesRegex(UserError, "not approved for material"):
            wizard.make_purchase_order()
        coding = self.job._analytic_distribution(self.rebar_code)
        line_vals = {
            "product_id": self.rebar.id,
            "product_qty": 1,
            "analytic_distribution": coding,
        }
        order = (
            self.env["purchase.order"]
            .with_user(self.buyer)
            .create({"partner_id": self.steel.id, "order_line": [(0, 0, line_vals)]})
        )
        with self.assertRaisesRegex(UserError, "not approved for material"):
            order.button_confirm()
        # nor by calling the order a subcontract: rebar is goods all the same
        order.is_subcontract = True
        with self.assertRaisesRegex(UserError, "not approved for material"):
            order.button_confirm()
        # nor through the second validation of a large order, blocked meanwhile
        self.steel.ap_cost_type_ids = False
        order.is_subcontract = False
        company = self.env.company
        company.write({"po_double_validation": "two_step"})
        company.po_double_validation_amount = 0
        order.with_user(self.buyer).button_confirm()
        self.assertEqual(order.state, "to approve")
        self.steel.ap_purchase_blocked = True
        with self.assertRaisesRegex(UserError, "blocked for purchasing"):
            order.button_approve()
        self.assertEqual(order.state, "to approve")
        self.steel.ap_purchase_blocked = False
        company.po_double_validation = "one_step"
        self.steel.ap_cost_type_ids = subcontract_only
        order.button_cancel()
        order.button_draft()
        # approved for material too: the order goes through
        self.steel.ap_cost_type_ids |= self.env.ref("ap_matching.cost_type_material")
        order.button_confirm()
        self.assertEqual(order.state, "purchase")

    def test_buyer_orders_approved_lines_from_a_chosen_vendor(self):
        """purchase_request's own wizard, on an approved (locked) request: the buyer
        picks the vendor; the lines record their order, and what was received and
        billed (posted bills only) shows on them."""
        chosen = self.env["res.partner"].create({"name": "Test Rebar Yard"})
        request = self.submit("MR-CHOSEN")
        request.with_user(self.pm).button_approved()
        rebar_line = request.line_ids.filtered(
            lambda line: line.product_id == self.rebar
        )
        wizard = self.order_wizard(rebar_line, chosen)
        # the wizard's item is no way to change what was approved
        wizard.item_ids.write({"product_id": self.concrete.id, "product_qty": 800})
        self.assertEqual(rebar_line.product_id, self.rebar)
        wizard.make_purchase_order()
        order = rebar_line.purchase_lines.order_id
        self.assertEqual(order.partner_id, chosen)
        self.assertEqual(
            rebar_line.purchase_lines.analytic_distribution,
            rebar_line.analytic_distribution,
        )
        # the request is still locked to anyone writing its lines directly
        with self.assertRaises(UserError):
            rebar_line.with_user(self.buyer).write({"product_qty": 1})
        order.button_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = 800
        picking.button_validate()
        self.assertEqual(rebar_line.qty_done, 800)
        bill = self.env["account.move"].browse(order.action_create_invoice()["res_id"])
        bill.invoice_date = "2026-12-01"
        self.assertEqual(rebar_line.bill_state, "none")  # a draft is not billed
        bill.invoice_line_ids.quantity = 400
        bill.action_post()
        rebar_line.invalidate_recordset(["bill_state"])
        self.assertEqual(rebar_line.bill_state, "partial")
