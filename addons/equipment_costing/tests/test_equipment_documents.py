import base64

from odoo.tests import HttpCase, tagged

from odoo.addons.integration_queue.tests.common import FlowHttpMixin, make_system

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@tagged("post_install", "-at_install")
class TestEquipmentDocuments(FlowHttpMixin, HttpCase):
    """document.attach files an inspection or a rental delivery note on a machine."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.system, cls.key = make_system(
            cls.env,
            "docs_equipment_test",
            cls.env.ref("construction_project_sync.flow_document_attach"),
            groups=[
                "equipment_costing.group_equipment_user",
                "construction_project_sync.group_project_manager",
            ],
        )
        cls.machine = cls.env["maintenance.equipment"].create(
            {"name": "Test Crane", "serial_no": "T-DOC-CRANE"}
        )
        cls.env["integration.mapping"]._link(cls.system, cls.machine, "EQ-CRANE")

    def attach(self, key, document_type):
        payload = {
            "external_id": key,
            "document_type": document_type,
            "target": {"type": "equipment", "external_id": "EQ-CRANE"},
            "issue_date": "2026-11-30",
            "file": {
                "filename": f"{key}.pdf",
                "mimetype": "application/pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            },
        }
        return self.sync_flow("document.attach", payload, key)

    def test_inspection_and_delivery_note_land_on_the_machine(self):
        for key, document_type in (("INSP-1", "inspection"), ("DN-1", "delivery_note")):
            message = self.attach(key, document_type)
            self.assertEqual(message.state, "done", message.error_message)
            document = self.env["integration.mapping"]._resolve(
                self.system, "construction.document", key
            )
            self.assertEqual(document.target_kind, "equipment")
            self.assertEqual(
                (document.attachment_id.res_model, document.attachment_id.res_id),
                ("maintenance.equipment", self.machine.id),
            )

    def test_a_type_that_does_not_allow_equipment_is_refused(self):
        message = self.attach("LOG-1", "daily_log")
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.error_code, "document_target_not_allowed")
