import base64
import hashlib
import json
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    make_system,
    perform_jobs,
)

API = "/api/construction/v1"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)
MANAGER = "base.group_user,construction_project_sync.group_project_manager"


def file_of(content=PDF, mimetype="application/pdf", filename="coi.pdf"):
    return {
        "filename": filename,
        "mimetype": mimetype,
        "content_base64": base64.b64encode(content).decode(),
    }


class DocumentMixin:
    @classmethod
    def setup_documents(cls):
        env = cls.env
        flow = env.ref("construction_project_sync.flow_document_attach")
        cls.system, cls.key = make_system(
            env,
            "docs_test",
            flow,
            groups=[
                "construction_project_sync.group_project_manager",
                "base.group_partner_manager",
            ],
        )
        # a field app that also files delivery notes on purchase orders: an
        # administrator gave its service user the purchase right
        cls.system.user_id.groups_id = [(4, env.ref("purchase.group_purchase_user").id)]
        cls.pm = new_test_user(env, "doc_pm", groups=MANAGER)
        cls.job = env["project.project"].create(
            {
                "name": "Clinic",
                "is_job": True,
                "job_number": "DOC-001",
                "user_id": cls.pm.id,
            }
        )
        cls.task = env["project.task"].create(
            {"name": "Pour slab", "project_id": cls.job.id, "user_ids": False}
        )
        cls.subcontractor = env["res.partner"].create(
            {"name": "Sparks Electric", "is_company": True}
        )
        cls.vendor = env["res.partner"].create({"name": "Rebar Co"})
        cls.po = env["purchase.order"].create(
            {"partner_id": cls.vendor.id, "job_id": cls.job.id}
        )
        mapping = env["integration.mapping"]
        mapping._link(cls.system, cls.job, "JOB-DOC")
        mapping._link(cls.system, cls.task, "TASK-1")
        mapping._link(cls.system, cls.subcontractor, "SUB-1")

    def payload(self, **values):
        return {
            "external_id": "DOC-1",
            "document_type": "compliance",
            "title": "Certificate of insurance",
            "target": {"type": "subcontractor", "external_id": "SUB-1"},
            "issue_date": "2026-01-01",
            "expiry_date": "2026-12-31",
            "file": file_of(),
            **values,
        }

    def document(self, ref="DOC-1"):
        return self.env["integration.mapping"]._resolve(
            self.system, "construction.document", ref
        )


@tagged("post_install", "-at_install")
class TestDocumentAttachOverHttp(DocumentMixin, FlowHttpMixin, HttpCase):
    """document.attach through the real API: base64 JSON and multipart uploads,
    duplicates, unknown records, wrong types and files."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_documents()

    def upload(self, metadata, files, key, content_type=None):
        """A multipart/form-data upload as a field app sends it."""
        return self.url_open(
            f"{API}/flows/document.attach",
            data={"metadata": json.dumps(metadata)} if metadata is not None else {},
            files=files,
            headers={"Authorization": f"Bearer {self.key}", "Idempotency-Key": key},
        )

    def test_base64_json_lands_on_the_record_with_type_and_dates(self):
        message = self.sync_flow("document.attach", self.payload(), "doc-1")
        self.assertEqual(message.state, "done", message.error_message)
        document = self.document()
        self.assertEqual(document.document_type_id.code, "compliance")
        self.assertEqual(document.expiry_date, date(2026, 12, 31))
        self.assertEqual(document.issue_date, date(2026, 1, 1))
        self.assertEqual(document.target_kind, "subcontractor")
        self.assertEqual(
            (document.attachment_id.res_model, document.attachment_id.res_id),
            ("res.partner", self.subcontractor.id),
        )
        self.assertEqual(document.attachment_id.raw, PDF)
        self.assertEqual(document.checksum, hashlib.sha256(PDF).hexdigest())
        self.assertEqual(document.company_id, self.system.company_id)
        # a compliance type's retention runs from the expiry date
        self.assertEqual(document.retention_until, date(2033, 12, 31))
        self.assertIn(
            ("construction.document", document.id),
            [(line.res_model, line.res_id) for line in message.lineage_ids],
        )

    def test_task_document_counts_on_its_job(self):
        payload = self.payload(
            external_id="LOG-1",
            document_type="daily_log",
            target={"type": "task", "external_id": "TASK-1"},
            expiry_date=None,
        )
        message = self.sync_flow("document.attach", payload, "log-1")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(self.document("LOG-1").project_id, self.job)
        # the job's responsible person owns the task's documents
        self.assertEqual(self.document("LOG-1").user_id, self.pm)
        self.job.invalidate_recordset(["document_count"])
        self.assertEqual(self.job.document_count, 1)
        action = self.job.action_view_documents()
        self.assertEqual(action["domain"], [("project_id", "=", self.job.id)])

    def test_purchase_order_by_odoo_number_without_mapping(self):
        payload = self.payload(
            external_id="DN-1",
            document_type="delivery_note",
            target={"type": "purchase_order", "external_id": self.po.name},
            expiry_date=None,
            file=file_of(PNG, "image/png", "dn.png"),
        )
        message = self.sync_flow("document.attach", payload, "dn-1")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(self.document("DN-1").attachment_id.res_id, self.po.id)
        self.assertEqual(self.document("DN-1").project_id, self.job)

    def test_multipart_upload_is_the_same_message_as_base64(self):
        metadata = self.payload()
        del metadata["file"]
        response = self.upload(
            metadata, {"file": ("coi.pdf", PDF, "application/pdf")}, "up-1"
        )
        self.assertEqual(response.status_code, 202, response.text)
        perform_jobs(self.env)
        message = self.env["integration.message"].browse(response.json()["message_id"])
        self.assertEqual(message.state, "done", message.error_message)
        stored = json.loads(message.payload)["file"]
        self.assertEqual(stored["sha256"], hashlib.sha256(PDF).hexdigest())
        self.assertEqual(stored["mimetype"], "application/pdf")
        self.assertEqual(self.document().attachment_id.raw, PDF)
        # the same upload again: the same message, no second document
        again = self.upload(
            metadata, {"file": ("coi.pdf", PDF, "application/pdf")}, "up-1"
        )
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(
            self.env["construction.document"].search_count(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.subcontractor.id),
                ]
            ),
            1,
        )

    def test_resend_under_another_key_keeps_one_document(self):
        self.sync_flow("document.attach", self.payload(), "dup-1")
        message = self.sync_flow(
            "document.attach", self.payload(expiry_date="2027-01-31"), "dup-2"
        )
        self.assertEqual(message.state, "done", message.error_message)
        documents = self.env["construction.document"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.subcontractor.id)]
        )
        self.assertEqual(len(documents), 1)
        self.assertEqual(documents.expiry_date, date(2027, 1, 31))
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.subcontractor.id),
                ]
            ),
            1,
        )
        # another file under the same document id is refused, not swapped in
        changed = self.sync_flow(
            "document.attach", self.payload(file=file_of(PDF + b"% v2\n")), "dup-3"
        )
        self.assertEqual(changed.state, "dead")
        self.assertEqual(changed.error_code, "document_changed")

    def test_unknown_target_is_kept_and_replays_once_it_exists(self):
        payload = self.payload(target={"type": "subcontractor", "external_id": "SUB-9"})
        message = self.sync_flow("document.attach", payload, "late-1")
        self.assertEqual(message.state, "failed")
        self.assertEqual(message.error_code, "unknown_document_target")
        self.assertIn("SUB-9", message.error_message)
        late = self.env["res.partner"].create({"name": "Late Sub"})
        self.env["integration.mapping"]._link(self.system, late, "SUB-9")
        manager_key = (
            self.env["res.users.apikeys"]
            .with_user(self.env.ref("base.user_admin"))
            ._generate(None, "docs replay", None)
        )
        response = self.url_open(
            f"{API}/messages/{message.id}/replay",
            data=b"{}",
            headers={"Authorization": f"Bearer {manager_key}"},
        )
        self.assertEqual(response.status_code, 202, response.text)
        perform_jobs(self.env)
        message.invalidate_recordset()
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(self.document().res_id, late.id)

    def test_wrong_type_and_wrong_target_are_dead_with_a_reason(self):
        unknown = self.sync_flow(
            "document.attach", self.payload(document_type="selfie"), "type-1"
        )
        self.assertEqual(unknown.state, "dead")
        self.assertEqual(unknown.error_code, "unknown_document_type")
        self.assertIn("lien_waiver", unknown.error_message)
        not_allowed = self.sync_flow(
            "document.attach",
            self.payload(document_type="invoice_image", expiry_date=None),
            "type-2",
        )
        self.assertEqual(not_allowed.state, "dead")
        self.assertEqual(not_allowed.error_code, "document_target_not_allowed")
        no_expiry = self.sync_flow(
            "document.attach", self.payload(expiry_date=None), "type-3"
        )
        self.assertEqual(no_expiry.error_code, "expiry_date_required")
        self.assertTrue(unknown.exception_ids)
        self.assertFalse(
            self.env["construction.document"].search(
                [
                    ("checksum", "!=", False),
                    ("res_id", "=", self.subcontractor.id),
                    ("res_model", "=", "res.partner"),
                ]
            )
        )

    def test_content_type_checks(self):
        # a type the schema does not take: refused at the door, kept as rejected
        response = self.post_flow(
            "document.attach",
            self.payload(file=file_of(b"MZ\x90\x00", "application/x-msdownload")),
            "ct-1",
        )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(response.json()["code"], "schema_validation_failed")
        # a PNG declared as a PDF: the content decides
        liar = self.sync_flow(
            "document.attach", self.payload(file=file_of(PNG)), "ct-2"
        )
        self.assertEqual(liar.state, "dead")
        self.assertEqual(liar.error_code, "file_type_mismatch")
        # damaged on the way
        damaged = dict(file_of(), sha256="0" * 64)
        broken = self.sync_flow("document.attach", self.payload(file=damaged), "ct-3")
        self.assertEqual(broken.error_code, "file_checksum_mismatch")
        # a multipart part of a type the flow does not keep
        metadata = self.payload()
        del metadata["file"]
        response = self.upload(
            metadata,
            {"file": ("x.exe", b"MZ\x90\x00", "application/x-msdownload")},
            "ct-4",
        )
        self.assertEqual(response.status_code, 422, response.text)

    def test_too_large_file_is_refused_with_413(self):
        self.env["ir.config_parameter"].set_param(
            "integration_queue.max_body_bytes", "2048"
        )
        big = PDF + b"0" * 4096
        metadata = self.payload()
        del metadata["file"]
        response = self.upload(
            metadata, {"file": ("big.pdf", big, "application/pdf")}, "big-1"
        )
        self.assertEqual(response.status_code, 413, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/problem+json")
        self.assertEqual(response.json()["code"], "payload_too_large")
        response = self.post_flow(
            "document.attach", self.payload(file=file_of(big)), "big-2"
        )
        self.assertEqual(response.status_code, 413, response.text)
        self.assertFalse(
            self.env["integration.message"].search(
                [("idempotency_key", "in", ("big-1", "big-2"))]
            )
        )

    def test_malformed_multipart_answers_a_problem(self):
        headers = {
            "Authorization": f"Bearer {self.key}",
            "Idempotency-Key": "bad-1",
            "Content-Type": "multipart/form-data; boundary=xyz",
        }
        response = self.url_open(
            f"{API}/flows/document.attach",
            data=b"this is not multipart",
            headers=headers,
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/problem+json")
        self.assertEqual(response.json()["code"], "invalid_request")
        # metadata that is not JSON
        response = self.url_open(
            f"{API}/flows/document.attach",
            data={"metadata": "{not json"},
            files={"file": ("coi.pdf", PDF, "application/pdf")},
            headers={"Authorization": f"Bearer {self.key}", "Idempotency-Key": "bad-2"},
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()["code"], "malformed_json")
        # two files under one name: which one is the document?
        metadata = self.payload()
        del metadata["file"]
        response = self.url_open(
            f"{API}/flows/document.attach",
            data={"metadata": json.dumps(metadata)},
            files=[
                ("file", ("a.pdf", PDF, "application/pdf")),
                ("file", ("b.pdf", PDF, "application/pdf")),
            ],
            headers={"Authorization": f"Bearer {self.key}", "Idempotency-Key": "bad-3"},
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()["code"], "invalid_request")

    def test_multipart_to_a_json_only_flow_is_415(self):
        flow = self.env.ref("construction_project_sync.flow_work_order_upsert")
        self.system.flow_ids = [(4, flow.id)]
        response = self.url_open(
            f"{API}/flows/work_order.upsert",
            data={"metadata": "{}"},
            files={"file": ("coi.pdf", PDF, "application/pdf")},
            headers={"Authorization": f"Bearer {self.key}", "Idempotency-Key": "m-1"},
        )
        self.assertEqual(response.status_code, 415, response.text)
        self.assertEqual(response.json()["code"], "unsupported_media_type")

    def test_openapi_says_the_flow_takes_uploads(self):
        spec = self.url_open(f"{API}/openapi.json").json()
        content = spec["paths"]["/flows/document.attach"]["post"]["requestBody"][
            "content"
        ]
        self.assertIn("multipart/form-data", content)
        self.assertIn("application/json", content)


@tagged("post_install", "-at_install")
class TestDocumentControls(DocumentMixin, HttpCase):
    """Retention, expiry reminders and who sees which documents."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_documents()

    def make(self, ref, doc_type, target, kind, **values):
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{ref}.pdf",
                "raw": PDF,
                "res_model": target._name,
                "res_id": target.id,
            }
        )
        return self.env["construction.document"].create(
            {
                "name": ref,
                "document_type_id": self.env.ref(
                    f"construction_project_sync.document_type_{doc_type}"
                ).id,
                "target_kind": kind,
                "res_model": target._name,
                "res_id": target.id,
                "project_id": self.env["construction.document"]._target_job(target).id,
                "company_id": (
                    target.company_id.id
                    if "company_id" in target._fields and target.company_id
                    else self.env.company.id
                ),
                "attachment_id": attachment.id,
                "user_id": self.pm.id,
                **values,
            }
        )

    def test_retention_archives_what_is_past_its_years_and_keeps_the_rest(self):
        old = self.make(
            "LOG-2015", "daily_log", self.job, "job", issue_date="2015-06-01"
        )
        edge = self.make(
            "LOG-2019", "daily_log", self.job, "job", issue_date="2019-12-02"
        )
        recent = self.make(
            "LOG-2024", "daily_log", self.job, "job", issue_date="2024-03-01"
        )
        waiver = self.make(
            "LW-2017", "lien_waiver", self.job, "job", issue_date="2017-01-10"
        )
        archived = self.env["construction.document"]._cron_apply_retention(
            today=date(2026, 12, 2)
        )
        # a daily log is kept 7 years, a lien waiver 10: 2019-12-02 + 7 years is
        # kept through 2026-12-02
        self.assertEqual(archived, old)
        self.assertFalse(old.active)
        self.assertTrue(old.archived_by_retention)
        self.assertTrue(edge.active and recent.active and waiver.active)
        # the file leaves the job's attachments and stays on the archived document
        self.assertEqual(
            (old.attachment_id.res_model, old.attachment_id.res_id),
            ("construction.document", old.id),
        )
        self.assertEqual(old.attachment_id.raw, PDF)
        self.assertEqual(
            self.env["construction.document"]._cron_apply_retention(
                today=date(2026, 12, 3)
            ),
            edge,
        )

    def test_expiry_activity_opens_once_ahead_of_time_for_the_owner(self):
        certificate = self.make(
            "COI",
            "compliance",
            self.subcontractor,
            "subcontractor",
            expiry_date="2027-01-20",
        )
        log = self.make("LOG", "inspection", self.job, "job", expiry_date="2026-12-24")

        def remind(day):
            # the demo database's own documents are reminded too: only ours count
            done = self.env["construction.document"]._cron_expiry_activities(today=day)
            return done & (certificate | log)

        # 30 days ahead of 2027-01-20 is 2026-12-21
        self.assertFalse(remind(date(2026, 12, 20)))
        self.assertFalse(certificate.activity_ids)
        self.assertEqual(remind(date(2026, 12, 21)), certificate)
        self.assertEqual(len(certificate.activity_ids), 1)
        activity = certificate.activity_ids
        self.assertEqual(activity.user_id, self.pm)
        self.assertEqual(activity.date_deadline, date(2027, 1, 20))
        self.assertFalse(remind(date(2026, 12, 22)))
        self.assertEqual(len(certificate.activity_ids), 1)
        # renewed: a new expiry date is reminded again, once
        certificate.expiry_date = "2028-01-20"
        self.assertFalse(remind(date(2026, 12, 23)))
        self.assertEqual(remind(date(2027, 12, 25)), certificate)
        self.assertEqual(len(certificate.activity_ids), 2)
        # documents of types that are not compliance are never reminded
        self.assertFalse(log.activity_ids)

    def test_a_user_who_cannot_read_the_record_cannot_read_its_documents(self):
        self.job.privacy_visibility = "followers"
        outsider = new_test_user(self.env, "doc_outsider", groups=MANAGER)
        job_doc = self.make(
            "LOG-A", "daily_log", self.job, "job", issue_date="2026-11-01"
        )
        other_job = self.env["project.project"].create(
            {"name": "Open job", "is_job": True, "privacy_visibility": "employees"}
        )
        open_doc = self.make(
            "LOG-B", "daily_log", other_job, "job", issue_date="2026-11-01"
        )
        Document = self.env["construction.document"].with_user(outsider)
        self.assertEqual(
            Document.search([("name", "in", ("LOG-A", "LOG-B"))]), open_doc
        )
        with self.assertRaises(AccessError):
            Document.browse(job_doc.id).read(["name"])
        with self.assertRaises(AccessError):
            Document.browse(job_doc.id).write({"note": "mine"})
        # nor through the attachment
        with self.assertRaises(AccessError):
            self.env["ir.attachment"].with_user(outsider).browse(
                job_doc.attachment_id.id
            ).read(["raw"])
        # the job's follower sees it
        self.job.message_subscribe(partner_ids=outsider.partner_id.ids)
        self.assertTrue(Document.browse(job_doc.id).read(["name"]))

    def test_documents_of_another_company_are_invisible(self):
        company_b = self.env["res.company"].create({"name": "Builder B (docs)"})
        job_b = self.env["project.project"].create(
            {"name": "B job", "is_job": True, "company_id": company_b.id}
        )
        doc_b = self.make("LOG-B", "daily_log", job_b, "job", issue_date="2026-11-01")
        self.assertEqual(doc_b.company_id, company_b)
        Document = self.env["construction.document"].with_user(self.pm)
        self.assertFalse(Document.search([("id", "=", doc_b.id)]))
        with self.assertRaises(AccessError):
            Document.browse(doc_b.id).read(["name"])

    def test_record_and_file_cannot_be_moved_and_type_must_fit(self):
        document = self.make(
            "LOG-M", "daily_log", self.job, "job", issue_date="2026-11-01"
        )
        other = self.env["project.project"].create({"name": "Other", "is_job": True})
        with self.assertRaises(UserError):
            document.with_user(self.pm).write({"res_id": other.id})
        with self.assertRaises(UserError):
            document.with_user(self.pm).write(
                {
                    "document_type_id": self.env.ref(
                        "construction_project_sync.document_type_invoice_image"
                    ).id
                }
            )
        with self.assertRaises(UserError):
            self.make("COI-X", "compliance", self.subcontractor, "subcontractor")
        with self.assertRaises(AccessError):
            document.with_user(self.pm).unlink()
        # a file of another record cannot be lent to a document of this one
        bill_file = self.env["ir.attachment"].create(
            {
                "name": "b.pdf",
                "raw": PDF,
                "res_model": "res.partner",
                "res_id": self.vendor.id,
            }
        )
        with self.assertRaises(UserError):
            self.env["construction.document"].with_user(self.pm).create(
                {
                    "name": "borrowed",
                    "document_type_id": self.env.ref(
                        "construction_project_sync.document_type_daily_log"
                    ).id,
                    "target_kind": "job",
                    "res_model": "project.project",
                    "res_id": self.job.id,
                    "attachment_id": bill_file.id,
                }
            )


@tagged("post_install", "-at_install")
class TestDocumentUploadFromTheUi(DocumentMixin, TransactionCase):
    """A project manager uploads a document onto a job or a task from its form:
    the same document, file, type and dates as the flow's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_documents()

    def upload(self, record, doc_type="site_report", content=PDF, user=None, **values):
        wizard = (
            self.env["construction.document.upload"]
            .with_user(user or self.pm)
            .with_context(active_model=record._name, active_id=record.id)
            .create(
                {
                    "document_type_id": self.env.ref(
                        f"construction_project_sync.document_type_{doc_type}"
                    ).id,
                    "file": base64.b64encode(content),
                    "filename": "report.pdf",
                    **values,
                }
            )
        )
        action = wizard.action_upload()
        return self.env["construction.document"].browse(action["res_id"])

    def test_a_report_lands_on_the_task_with_its_job_and_dates(self):
        document = self.upload(
            self.task, name="Slab pour report", issue_date="2026-11-30"
        )
        self.assertRecordValues(
            document,
            [
                {
                    "name": "Slab pour report",
                    "res_model": "project.task",
                    "res_id": self.task.id,
                    "target_kind": "task",
                    "project_id": self.job.id,
                    "checksum": hashlib.sha256(PDF).hexdigest(),
                    "mimetype": "application/pdf",
                }
            ],
        )
        self.assertEqual(str(document.issue_date), "2026-11-30")
        attachment = document.attachment_id
        self.assertEqual(
            (attachment.res_model, attachment.res_id), ("project.task", self.task.id)
        )
        self.assertEqual(attachment.raw, PDF)

    def test_what_is_refused_is_said_plainly(self):
        with self.assertRaisesRegex(UserError, "a document is a PDF or an image"):
            self.upload(self.job, content=b"MZ\x90\x00 an executable")
        with self.assertRaisesRegex(UserError, "needs an expiry date"):
            self.upload(self.job, doc_type="compliance")
        elsewhere = self.env["res.company"].create({"name": "Docs Elsewhere"})
        foreign = self.env["project.project"].create(
            {"name": "Foreign", "is_job": True, "company_id": elsewhere.id}
        )
        with self.assertRaises(AccessError):
            self.upload(foreign)
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("res_model", "=", "project.project"), ("res_id", "=", foreign.id)]
            )
        )

    def test_the_job_and_task_forms_offer_the_upload(self):
        for xmlid, model in (
            ("action_construction_document_upload_job", "project.project"),
            ("action_construction_document_upload_task", "project.task"),
        ):
            action = self.env.ref(f"construction_project_sync.{xmlid}")
            self.assertEqual(action.binding_model_id.model, model)
