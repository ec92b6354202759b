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

    def test_demo_tells_a_small_contractors_story(self):
        """On a fresh database with demo data: two jobs, an approved budget, an approved
        and a pending change order, posted field time, a pay application."""
        ref = self.env.ref
        library = ref("construction_project_sync.demo_job_library")
        self.assertTrue(library.company_id)
        self.assertEqual(
            ref("construction_project_sync.demo_budget_library_v1").state, "approved"
        )
        self.assertEqual(
            ref("construction_project_sync.demo_co_library_1").state, "approved"
        )
        self.assertEqual(
            ref("construction_project_sync.demo_co_library_2").state, "pending"
        )
        self.assertEqual(library.revised_contract_value, 1850000 + 28500)
        posted = self.env["construction.field.time"].search(
            [("job_id", "=", library.id), ("state", "=", "posted")]
        )
        self.assertTrue(posted.timesheet_id)
        self.assertIn(
            ref("construction_project_sync.demo_pay_app_library_1").state,
            ("approved", "invoiced"),
        )
        self.env.flush_all()
        rows = self.env["construction.job.cost"].search([("job_id", "=", library.id)])
        self.assertEqual(sum(rows.mapped("approved_changes")), 24000)
        self.assertEqual(sum(rows.mapped("pending_changes")), 38000)
        self.assertGreater(
            sum(rows.mapped("actual")), 0, "posted field time is labor cost"
        )
