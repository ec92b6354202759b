from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_payables_section_and_groups(self):
        section = self.env.ref("ap_matching.menu_payables_root")
        self.assertEqual(
            section.parent_id, self.env.ref("integration_queue.menu_construction_root")
        )
        # material requests, orders, bills, from the hub, on hold, worklist; the
        # subcontracts, their pay applications, change orders and compliance
        # documents; material consumption
        self.assertEqual(len(section.child_id), 11)
        subcontracts = self.env.ref("ap_matching.action_ap_subcontracts")
        self.assertIn("is_subcontract", subcontracts.domain)
        self.assertIn(
            self.env.ref("ap_matching.group_ap_clerk"),
            self.env.ref("ap_matching.group_ap_manager").implied_ids,
        )
        # Odoo's own UBL importer is what vendor bills will come through
        self.assertTrue(
            self.env["ir.module.module"].search(
                [("name", "=", "account_edi_ubl_cii"), ("state", "=", "installed")]
            )
        )

    def test_demo_bills_show_the_match(self):
        """With demo data: a clean bill matches, one priced above the order, one
        billing more concrete than arrived and the clean one sent again are on hold,
        routed to their owners."""
        clean = self.env.ref("ap_matching.demo_bill_clean", raise_if_not_found=False)
        if not clean:
            self.skipTest("no demo data")
        ref = self.env.ref
        self.assertEqual(clean.ap_match_state, "matched")
        self.assertEqual(
            clean.invoice_line_ids.analytic_distribution,
            ref("ap_matching.demo_po_line_concrete").analytic_distribution,
        )
        price = ref("ap_matching.demo_bill_price_variance")
        self.assertEqual(price.ap_reason_codes, "price_variance amount_variance")
        duplicate = ref("ap_matching.demo_bill_duplicate")
        self.assertIn("duplicate", duplicate.ap_reason_codes.split())
        self.assertIn(clean, duplicate._ap_find_duplicates()[duplicate])
        self.assertNotIn(clean, clean._ap_find_duplicates())
        over = ref("ap_matching.demo_bill_over_billed")
        self.assertEqual(over.ap_reason_codes, "over_billed_qty")
        self.assertEqual(
            over.ap_exception_ids.filtered(lambda e: e.state == "open").owner_id,
            ref("construction_project_sync.demo_job_library").ap_site_manager_id,
        )

    def test_demo_subcontractor_is_approved_for_subcontract_work_only(self):
        steel = self.env.ref(
            "ap_matching.subcontract_vendor_steel", raise_if_not_found=False
        )
        if not steel:
            self.skipTest("no demo data")
        self.assertEqual(steel.ap_cost_type_ids.mapped("code"), ["subcontract"])
        self.assertEqual(
            self.env.ref("ap_matching.subcontract_po_warehouse_steel").state,
            "purchase",
        )
        self.assertIn(
            "not approved for material",
            steel._ap_purchase_problem(cost_types={"material"}),
        )
