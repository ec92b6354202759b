# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii
import hashlib

from odoo import _, api, models
from odoo.tools.mimetypes import guess_mimetype

from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor

# the media types a document may be, and the names their content sniffs as
ALLOWED_MIMETYPES = {
    "application/pdf": {"application/pdf"},
    "image/jpeg": {"image/jpeg"},
    "image/png": {"image/png"},
    "image/tiff": {"image/tiff"},
    "image/webp": {"image/webp"},
    "image/heic": {"image/heic", "application/octet-stream"},
}
# records found by Odoo's own reference when the system has no mapping for them
ODOO_REFERENCE_DOMAINS = {
    "purchase.order": [],
    "account.move": [("move_type", "in", ("in_invoice", "in_refund"))],
}


class ConstructionDocumentFlows(models.AbstractModel):
    """Processor of document.attach: a file of a job, task, PO, bill,
    subcontractor (or equipment) lands as an attachment of that record with its
    type and dates. Runs as the system's service user."""

    _name = "construction.document.flows"
    _description = "Document Flows"

    @api.model
    @integration_processor("document.attach")
    def _process_document_attach(self, message, payload):
        Document = self.env["construction.document"]
        doc_type = self._document_type(payload["document_type"])
        kind = payload["target"]["type"]
        target = self._document_target(message, payload["target"])
        allowed = doc_type._allowed_models()
        if allowed and target._name not in allowed:
            raise IntegrationError(
                _(
                    "A %(type)s cannot be attached to %(kind)s; it may go to: "
                    "%(allowed)s.",
                    type=doc_type.name,
                    kind=self.env[target._name]._description,
                    allowed=", ".join(
                        sorted(self.env[model]._description for model in allowed)
                    ),
                ),
                code="document_target_not_allowed",
                retryable=False,
            )
        if doc_type.is_compliance and not payload.get("expiry_date"):
            raise IntegrationError(
                _("A %(type)s needs an expiry_date.", type=doc_type.name),
                code="expiry_date_required",
                retryable=False,
            )
        file = payload["file"]
        content = self._file_content(file)
        checksum = hashlib.sha256(content).hexdigest()
        vals = {
            "name": payload.get("title") or file["filename"],
            "document_type_id": doc_type.id,
            "issue_date": payload.get("issue_date") or False,
            "expiry_date": payload.get("expiry_date") or False,
        }
        if "note" in payload:
            vals["note"] = payload["note"]
        document = message.resolve(
            "construction.document", payload["external_id"], required=False
        )
        if document:
            if (document.res_model, document.res_id) != (target._name, target.id) or (
                document.checksum != checksum
            ):
                raise IntegrationError(
                    _(
                        "Document %(ref)s was received with another record or "
                        "file; send a new document (a new external_id) instead.",
                        ref=payload["external_id"],
                    ),
                    code="document_changed",
                    retryable=False,
                )
            return message.upsert("construction.document", payload["external_id"], vals)
        vals.update(
            Document._file_vals(
                target,
                kind,
                doc_type,
                file["filename"],
                content,
                file["mimetype"],
                message.system.company_id,
            )
        )
        return message.upsert("construction.document", payload["external_id"], vals)

    @api.model
    def _document_type(self, code):
        doc_type = self.env["construction.document.type"].search(
            [("code", "=", code)], limit=1
        )
        if not doc_type:
            codes = self.env["construction.document.type"].search([]).mapped("code")
            raise IntegrationError(
                _(
                    "Document type %(code)r is not known; use one of %(codes)s.",
                    code=code,
                    codes=", ".join(codes),
                ),
                code="unknown_document_type",
                retryable=False,
            )
        return doc_type

    @api.model
    def _document_target(self, message, target):
        """The record by the system's external id; a purchase order or a bill also
        by Odoo's own reference (its number) when the system has no mapping."""
        kinds = self.env["construction.document"]._document_targets()
        kind = target["type"]
        if kind not in kinds:
            raise IntegrationError(
                _(
                    "Documents cannot be attached to a %(kind)s; use one of %(kinds)s.",
                    kind=kind,
                    kinds=", ".join(kinds),
                ),
                code="unknown_document_target_type",
                retryable=False,
            )
        model = kinds[kind][0]
        ref = str(target["external_id"])
        record = message.resolve(model, ref, required=False)
        if not record and model in ODOO_REFERENCE_DOMAINS:
            record = self.env[model].search(
                [
                    ("name", "=", ref),
                    ("company_id", "=", message.system.company_id.id),
                    *ODOO_REFERENCE_DOMAINS[model],
                ],
                limit=2,
            )
            if len(record) > 1:
                record = record.browse()
        if not record:
            raise IntegrationError(
                _(
                    "The %(kind)s %(ref)r is not known in Odoo yet; the document is "
                    "kept and attached once it arrives (retry or replay).",
                    kind=kind,
                    ref=ref,
                ),
                code="unknown_document_target",
            )
        return record

    @api.model
    def _file_content(self, file):
        """The file's bytes, checked: valid base64, intact (its SHA-256 when
        given) and really of its declared type."""
        try:
            content = base64.b64decode(file["content_base64"], validate=True)
        except binascii.Error as exc:
            raise IntegrationError(
                _("The file is not valid base64: %(error)s", error=exc),
                code="invalid_file",
                retryable=False,
            ) from exc
        if not content:
            raise IntegrationError(
                _("The file is empty."), code="invalid_file", retryable=False
            )
        if file.get("sha256") and file["sha256"].lower() != (
            hashlib.sha256(content).hexdigest()
        ):
            raise IntegrationError(
                _("The file does not match its sha256: it was damaged on the way."),
                code="file_checksum_mismatch",
                retryable=False,
            )
        declared = file["mimetype"]
        if declared not in ALLOWED_MIMETYPES:
            raise IntegrationError(
                _(
                    "Files of type %(type)s are not kept; send one of %(types)s.",
                    type=declared,
                    types=", ".join(ALLOWED_MIMETYPES),
                ),
                code="unsupported_file_type",
                retryable=False,
            )
        found = guess_mimetype(content, default="application/octet-stream")
        if found not in ALLOWED_MIMETYPES[declared]:
            raise IntegrationError(
                _(
                    "The file says it is %(declared)s but its content is %(found)s.",
                    declared=declared,
                    found=found,
                ),
                code="file_type_mismatch",
                retryable=False,
            )
        return content
