from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_equipment_section_and_groups(self):
        section = self.env.ref("equipment_costing.menu_equipment_root")
        self.assertEqual(
            section.parent_id, self.env.ref("integration_queue.menu_construction_root")
        )
        self.assertTrue(all(section.child_id.mapped("action")))
        manager = self.env.ref("equipment_costing.group_equipment_manager")
        self.assertIn(
            self.env.ref("equipment_costing.group_equipment_user"), manager.implied_ids
        )
