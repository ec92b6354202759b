# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import functools
import hashlib
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression

# documents the retention run archives per batch; the cron runs again at once for
# the rest (ir.cron progress)
RETENTION_BATCH = 500
# what a document's record is once set: moving a lien waiver to another job, or
# swapping its file, is a new document, not an edit
IMMUTABLE_FIELDS = {"res_model", "res_id", "attachment_id", "company_id", "checksum"}


class ConstructionDocument(models.Model):
    """One document of a record (job, task, PO, bill, subcontractor, equipment):
    its type, issue and expiry dates, owner, and the file, an attachment of the
    record itself so it shows in the record's chatter.

    Whoever cannot read the record cannot read its documents (``_check_access``
    and ``_search``); record rules keep them to their company."""

    _name = "construction.document"
    _description = "Construction Document"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "issue_date desc, id desc"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    document_type_id = fields.Many2one(
        "construction.document.type",
        string="Type",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
    )
    is_compliance = fields.Boolean(related="document_type_id.is_compliance")
    target_kind = fields.Selection(
        selection="_selection_target_kind",
        string="Attached To",
        required=True,
        help="The kind of record the document belongs to.",
    )
    res_model = fields.Char(
        string="Record Model", required=True, index=True, readonly=True
    )
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", required=True, readonly=True
    )
    target_name = fields.Char(string="Record", compute="_compute_target_name")
    project_id = fields.Many2one(
        "project.project",
        string="Job",
        index=True,
        readonly=True,
        help="The job of the record: the job itself, a task's, a purchase order's "
        "or a bill's job.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        tracking=True,
        help="Who renews or follows up the document: the record's responsible "
        "person, else the type's default owner.",
    )
    issue_date = fields.Date(tracking=True)
    expiry_date = fields.Date(tracking=True, index=True)
    attachment_id = fields.Many2one(
        "ir.attachment",
        string="File",
        required=True,
        ondelete="restrict",
        readonly=True,
    )
    mimetype = fields.Char(related="attachment_id.mimetype")
    file_size = fields.Integer(related="attachment_id.file_size")
    checksum = fields.Char(
        string="SHA-256",
        readonly=True,
        help="SHA-256 of the file as received: the same file sent again is known.",
    )
    note = fields.Text()
    retention_until = fields.Date(
        compute="_compute_retention_until",
        store=True,
        help="The daily retention run archives the document after this day: the "
        "type's retention years after the expiry date (else the issue date, else "
        "its arrival). Empty: kept for good.",
    )
    expiry_reminder_date = fields.Date(
        compute="_compute_expiry_reminder_date",
        store=True,
        help="From this day the owner of a compliance document gets an activity to "
        "renew it (the type's days ahead of its expiry).",
    )
    expiry_activity_date = fields.Date(
        readonly=True,
        copy=False,
        help="The expiry date the owner was reminded of: one activity per expiry "
        "date; a renewed document (a new expiry date) is reminded again.",
    )
    expiry_reminder_pending = fields.Boolean(
        compute="_compute_expiry_reminder_pending", store=True
    )
    archived_by_retention = fields.Boolean(readonly=True, copy=False)

    _sql_constraints = [
        (
            "expiry_after_issue",
            "CHECK(expiry_date IS NULL OR issue_date IS NULL "
            "OR expiry_date >= issue_date)",
            "A document cannot expire before it was issued.",
        )
    ]

    # ------------------------------------------------------------ targets
    @api.model
    def _document_targets(self):
        """{kind: (model, label)}: the records documents may be attached to. An
        addon adds its own records by extending this (equipment_costing adds
        equipment)."""
        return {
            "job": ("project.project", _("Job")),
            "task": ("project.task", _("Task")),
            "purchase_order": ("purchase.order", _("Purchase Order")),
            "bill": ("account.move", _("Vendor Bill")),
            "subcontractor": ("res.partner", _("Subcontractor")),
        }

    @api.model
    def _selection_target_kind(self):
        return [
            (kind, label) for kind, (_model, label) in self._document_targets().items()
        ]

    @api.model
    def _file_vals(self, target, kind, doc_type, filename, content, mimetype, company):
        """The values of a new document of ``target`` (``kind``), its file stored
        as the record's attachment; ``company`` when the record has none. The
        flow and the upload wizard both attach this way."""
        # sudo: whoever attaches may do so to a record they can read (checked
        # here), without the right to edit that record
        target.check_access("read")
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": filename,
                    "raw": content,
                    "mimetype": mimetype,
                    "res_model": target._name,
                    "res_id": target.id,
                }
            )
        )
        if "company_id" in target._fields and target.company_id:
            company = target.company_id
        return {
            "target_kind": kind,
            "res_model": target._name,
            "res_id": target.id,
            "project_id": self._target_job(target).id,
            "company_id": company.id,
            "user_id": self._target_owner(target, doc_type).id,
            "attachment_id": attachment.id,
            "checksum": hashlib.sha256(content).hexdigest(),
        }

    @api.model
    def _target_job(self, record):
        """The job a record belongs to, if any."""
        return record._construction_job()

    @api.model
    def _target_owner(self, record, document_type):
        """Who follows up a record's documents: its responsible person, else the
        job's manager, else the type's default owner."""
        for fname in ("user_id", "invoice_user_id", "technician_user_id", "user_ids"):
            field = record._fields.get(fname)
            if field and field.comodel_name == "res.users" and record[fname]:
                return record[fname][:1]
        job = self._target_job(record)
        return job.user_id or document_type.responsible_user_id

    @api.depends("res_model", "res_id")
    def _compute_target_name(self):
        for document in self:
            record = (
                document.res_model
                and document.res_model in self.env
                and self.env[document.res_model].browse(document.res_id).exists()
            )
            document.target_name = record.display_name if record else False

    @api.depends(
        "document_type_id.retention_years", "expiry_date", "issue_date", "create_date"
    )
    def _compute_retention_until(self):
        for document in self:
            years = document.document_type_id.retention_years
            start = (
                document.expiry_date
                or document.issue_date
                or (document.create_date or fields.Datetime.now()).date()
            )
            document.retention_until = (
                start + relativedelta(years=years) if years else False
            )

    @api.depends("document_type_id.expiry_reminder_days", "expiry_date")
    def _compute_expiry_reminder_date(self):
        for document in self:
            document.expiry_reminder_date = document.expiry_date and (
                document.expiry_date
                - relativedelta(days=document.document_type_id.expiry_reminder_days)
            )

    @api.depends("expiry_date", "expiry_activity_date")
    def _compute_expiry_reminder_pending(self):
        for document in self:
            document.expiry_reminder_pending = bool(
                document.expiry_date
                and document.expiry_activity_date != document.expiry_date
            )

    # ------------------------------------------------------------ access
    def _check_access(self, operation):
        """Also forbidden: the documents of records the user cannot read."""
        result = super()._check_access(operation)
        if result or self.env.su or not any(self._ids):
            return result
        forbidden = self.browse()
        targets = defaultdict(list)
        # sudo: only which record each document belongs to, to check that record
        for document in self.sudo():
            targets[document.res_model].append((document.id, document.res_id))
        for model, pairs in targets.items():
            records = self.env[model].browse({res_id for _id, res_id in pairs})
            readable = (
                set(records._filtered_access("read").ids)
                if self.env[model].has_access("read")
                else set()
            )
            forbidden |= self.browse(
                [doc_id for doc_id, res_id in pairs if res_id not in readable]
            )
        if not forbidden:
            return None
        return forbidden, functools.partial(
            self._make_target_access_error, operation, forbidden
        )

    def _make_target_access_error(self, operation, documents):
        return AccessError(
            _(
                "You cannot %(operation)s documents of records you cannot see "
                "(%(documents)s).",
                operation=operation,
                documents=", ".join(str(doc_id) for doc_id in documents.ids[:10]),
            )
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        """Searches list only the documents of records the user can read."""
        if not self.env.su:
            readable = []
            for model, _label in self._document_targets().values():
                if model in self.env and self.env[model].has_access("read"):
                    query = self.env[model].with_context(active_test=False)._search([])
                    readable.append(
                        [("res_model", "=", model), ("res_id", "in", query)]
                    )
            domain = expression.AND(
                [domain, expression.OR(readable or [[(0, "=", 1)]])]
            )
        return super()._search(domain, offset, limit, order)

    # ------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        targets = self._document_targets()
        models_of = {model for model, _label in targets.values()}
        for vals in vals_list:
            kind = vals.get("target_kind")
            if kind not in targets or targets[kind][0] != vals.get("res_model"):
                raise UserError(
                    _(
                        "A document belongs to a job, task, purchase order, bill, "
                        "subcontractor or another record documents are kept for."
                    )
                )
            if vals["res_model"] not in models_of:
                raise UserError(_("Documents cannot be attached to this record."))
        documents = super().create(vals_list)
        documents._check_type_target()
        if not self.env.su:
            # the file is the record's own attachment, and the record one the
            # creator may read: no document lends another record's file
            for document in documents:
                # sudo: where the attachment belongs, compared, never shown
                attachment = document.attachment_id.sudo()
                if (attachment.res_model, attachment.res_id) != (
                    document.res_model,
                    document.res_id,
                ):
                    raise UserError(
                        _("A document's file must be an attachment of its record.")
                    )
            documents.check_access("read")
        return documents

    def write(self, vals):
        changing = IMMUTABLE_FIELDS & set(vals)
        if changing and not self.env.su:
            raise UserError(
                _(
                    "A document's record and file cannot change; attach a new "
                    "document instead."
                )
            )
        result = super().write(vals)
        if "document_type_id" in vals:
            self._check_type_target()
        return result

    def _check_type_target(self):
        for document in self:
            doc_type = document.document_type_id
            allowed = doc_type._allowed_models()
            if allowed and document.res_model not in allowed:
                raise UserError(
                    _(
                        "A %(type)s cannot be attached to %(record)s.",
                        type=doc_type.name,
                        record=self.env[document.res_model]._description,
                    )
                )
            if doc_type.is_compliance and not document.expiry_date:
                raise UserError(
                    _("A %(type)s needs an expiry date.", type=doc_type.name)
                )

    # ------------------------------------------------------------ actions
    def action_open_target(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    def action_download(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "new",
        }

    # ------------------------------------------------------------ crons
    @api.model
    def _cron_apply_retention(self, today=None):
        """Archive the documents past their type's retention, in batches.

        Archived, not deleted: a construction controller keeps lien waivers,
        certificates and logs for claims and audits after their period, out of the
        way. The file leaves the record's attachments and stays on the archived
        document, which document managers find under the Archived filter."""
        today = today or fields.Date.context_today(self)
        domain = [("retention_until", "<", today), ("active", "=", True)]
        documents = self.search(
            domain, limit=RETENTION_BATCH, order="retention_until, id"
        )
        for document in documents:
            document.attachment_id.write(
                {"res_model": self._name, "res_id": document.id}
            )
            document.message_post(
                body=_(
                    "Archived by the retention policy of %(type)s (kept until "
                    "%(date)s); its file stays on this document.",
                    type=document.document_type_id.name,
                    date=document.retention_until,
                )
            )
        documents.write({"active": False, "archived_by_retention": True})
        remaining = self.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=len(documents), remaining=remaining)
        return documents

    @api.model
    def _cron_expiry_activities(self, today=None):
        """Open one activity per compliance document for its owner, ahead of its
        expiry (the type's days ahead), once per expiry date."""
        today = today or fields.Date.context_today(self)
        documents = self.search(
            [
                ("is_compliance", "=", True),
                ("expiry_reminder_date", "<=", today),
                ("expiry_reminder_pending", "=", True),
                ("user_id", "!=", False),
            ]
        )
        for document in documents:
            document.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=document.expiry_date,
                summary=_("Renew %(name)s", name=document.name),
                note=_(
                    "%(type)s of %(record)s expires on %(date)s.",
                    type=document.document_type_id.name,
                    record=document.target_name,
                    date=document.expiry_date,
                ),
                user_id=document.user_id.id,
            )
            document.expiry_activity_date = document.expiry_date
        return documents
