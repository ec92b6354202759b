from odoo.tests import HttpCase, tagged

from .subcontract_common import SubcontractCase


@tagged("post_install", "-at_install")
class TestSubcontractTour(HttpCase, SubcontractCase):
    def test_certify_and_bill_a_pay_application_tour(self):
        admin = self.env.ref("base.user_admin")
        admin.groups_id |= self.env.ref(
            "construction_project_sync.group_project_manager"
        ) | self.env.ref("ap_matching.group_ap_clerk")
        # the administrator manages the job; a clerk prepared the application
        self.job.user_id = admin
        app = self.pay_app({self.formwork: (10000, 5000)})
        self.waiver(app)
        self.assertEqual(app.current_payment_due, 13500)
        self.start_tour("/odoo", "ap_matching_subcontract_certify_bill", login="admin")
        self.assertEqual((app.state, app.approved_by_id), ("billed", admin))
        retention = app.bill_id.invoice_line_ids.filtered("ap_subcontract_retention")
        self.assertEqual(retention.price_subtotal, -1500)
