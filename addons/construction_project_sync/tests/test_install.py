from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_jobs_section_and_groups(self):
        section = self.env.ref("construction_project_sync.menu_jobs_root")
        self.assertEqual(
            section.parent_id, self.env.ref("integration_queue.menu_construction_root")
        )
        self.assertTrue(section.child_id)
        approver = self.env.ref("construction_project_sync.group_project_approver")
        controller = self.env.ref("construction_project_sync.group_project_controller")
        self.assertIn(controller, approver.implied_ids)
        self.assertTrue(
            self.env.ref("base.user_admin").has_group(
                "construction_project_sync.group_project_approver"
            )
        )
