from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_suite_installed_with_menus_and_groups(self):
        modules = self.env["ir.module.module"].search(
            [
                (
                    "name",
                    "in",
                    [
                        "integration_queue",
                        "construction_project_sync",
                        "equipment_costing",
                        "ap_matching",
                        "queue_job",
                    ],
                )
            ]
        )
        self.assertEqual(set(modules.mapped("state")), {"installed"})
        self.assertEqual(len(modules), 5)
        root = self.env.ref("integration_queue.menu_construction_root")
        sections = self.env["ir.ui.menu"].search([("parent_id", "=", root.id)])
        self.assertIn(self.env.ref("integration_queue.menu_integration_root"), sections)
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("integration_queue.group_integration_manager"))

    def test_construction_menu_hidden_from_plain_users(self):
        user = self.env["res.users"].create(
            {
                "name": "Plain",
                "login": "plain_user_menu",
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        self.assertNotIn(
            self.env.ref("integration_queue.menu_integration_root").id, visible
        )
