from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_payables_section_and_groups(self):
        section = self.env.ref("ap_matching.menu_payables_root")
        self.assertEqual(
            section.parent_id, self.env.ref("integration_queue.menu_construction_root")
        )
        self.assertEqual(len(section.child_id), 4)
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
