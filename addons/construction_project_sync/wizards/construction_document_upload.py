# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.mimetypes import guess_mimetype

from ..models.construction_document_flows import ALLOWED_MIMETYPES


class ConstructionDocumentUpload(models.TransientModel):
    """A document uploaded by hand onto the record it is opened from (a job, a
    task ...): the same document, type, dates and retention as one the field
    sends by document.attach."""

    _name = "construction.document.upload"
    _description = "Upload a Construction Document"

    res_model = fields.Char(required=True, readonly=True)
    res_id = fields.Many2oneReference(model_field="res_model", readonly=True)
    target_name = fields.Char(string="Attach To", compute="_compute_target_name")
    document_type_id = fields.Many2one(
        "construction.document.type", string="Type", required=True
    )
    is_compliance = fields.Boolean(related="document_type_id.is_compliance")
    file = fields.Binary(required=True, attachment=False)
    filename = fields.Char()
    name = fields.Char(string="Title", help="The file's name when left empty.")
    issue_date = fields.Date()
    expiry_date = fields.Date()
    note = fields.Text()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") and context.get("active_id"):
            values.setdefault("res_model", context["active_model"])
            values.setdefault("res_id", context["active_id"])
        return values

    @api.depends("res_model", "res_id")
    def _compute_target_name(self):
        for wizard in self:
            record = wizard._target()
            wizard.target_name = record.display_name if record else False

    def _target(self):
        self.ensure_one()
        if self.res_model not in self.env or not self.res_id:
            return None
        return self.env[self.res_model].browse(self.res_id).exists() or None

    def action_upload(self):
        self.ensure_one()
        Document = self.env["construction.document"]
        target = self._target()
        kinds = [
            kind
            for kind, (model, _label) in Document._document_targets().items()
            if model == self.res_model
        ]
        if not target or not kinds:
            raise UserError(_("Documents cannot be attached to this record."))
        content = base64.b64decode(self.file or b"")
        if not content:
            raise UserError(_("The file is empty."))
        mimetype = guess_mimetype(content, default="application/octet-stream")
        if mimetype not in ALLOWED_MIMETYPES:
            raise UserError(
                _(
                    "%(file)s is %(type)s: a document is a PDF or an image (JPEG, "
                    "PNG, TIFF, WebP).",
                    file=self.filename or _("The file"),
                    type=mimetype,
                )
            )
        vals = Document._file_vals(
            target,
            kinds[0],
            self.document_type_id,
            self.filename or self.name or _("Document"),
            content,
            mimetype,
            # the record's own company when it has one (_file_vals)
            self.env.company,
        )
        vals.update(
            {
                "name": self.name or self.filename or _("Document"),
                "document_type_id": self.document_type_id.id,
                "issue_date": self.issue_date,
                "expiry_date": self.expiry_date,
                "note": self.note,
            }
        )
        document = Document.create(vals)
        return {
            "type": "ir.actions.act_window",
            "res_model": "construction.document",
            "res_id": document.id,
            "view_mode": "form",
        }
