# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii
import hashlib
import json
import mimetypes
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.tools import file_open

from odoo.addons.integration_queue.lib.errors import (
    IntegrationError,
    IntegrationParseError,
)
from odoo.addons.integration_queue.lib.processor import (
    integration_parser,
    integration_processor,
)
from odoo.addons.integration_queue.lib.text import encode_xml

from ..lib import ubl
from ..lib.bill_identity import document_hash, normalise_reference
from ..lib.hub_import import hub_import

MOVE = "account.move"
# first key of the advisory locks that make one vendor number one bill (the
# second is a hash of company, vendor and number)
IMPORT_LOCK_CLASS = 0x0AB1


class ApBillFlows(models.AbstractModel):
    """Processors of the vendor bill flows: an AP automation platform's extracted
    invoice (JSON) and the vendor's own UBL / Peppol BIS 3.0 document (XML). Each
    makes one draft bill with its original attached; a document already in Odoo
    (the same vendor and number, or the same file) makes none. They run as the
    system's service user."""

    _name = "ap.bill.flows"
    _description = "Vendor Bill Flows"

    # ------------------------------------------------------------ shared
    @api.model
    def _vendor(
        self, message, vat=None, endpoint=None, scheme=None, name=None, ref=None
    ):
        """The vendor by the system's id, VAT number, Peppol endpoint or exact
        name; a clear business error when none (or several) match."""
        Partner = self.env["res.partner"]
        company = self.env.company
        partner = Partner.browse()
        if ref:
            partner = message.resolve("res.partner", ref, required=False)
        if not partner and vat:
            partner = Partner._retrieve_partner(vat=vat, company=company)
        if not partner and endpoint:
            domain = [
                ("peppol_endpoint", "=", endpoint),
                *Partner._check_company_domain(company),
            ]
            if scheme:
                domain.append(("peppol_eas", "=", scheme))
            partner = Partner.search(domain, limit=2)
        if not partner and name:
            partner = Partner.search(
                [("name", "=ilike", name), *Partner._check_company_domain(company)],
                limit=2,
            )
        partner = partner.commercial_partner_id
        known = ", ".join(
            f"{label} {value!r}"
            for label, value in (
                ("id", ref),
                ("VAT", vat),
                ("endpoint", endpoint),
                ("name", name),
            )
            if value
        )
        if len(partner) > 1:
            raise IntegrationError(
                f"Several vendors match {known}: give one of them this VAT number or "
                "endpoint id only, then replay the message.",
                code="ambiguous_vendor",
                retryable=False,
            )
        if not partner:
            raise IntegrationError(
                f"No vendor in Odoo matches {known}: create the vendor (or map it "
                f"for {message.system.name}), then replay the message.",
                code="unknown_vendor",
                retryable=False,
            )
        return partner

    @api.model
    def _purchase_order(self, message, vendor, reference):
        """The vendor's purchase order by its number, or by the vendor's own
        reference of it; none (noted on the message) when it does not resolve."""
        if not reference:
            return self.env["purchase.order"]
        Order = self.env["purchase.order"]
        domain = [
            ("partner_id", "child_of", vendor.id),
            ("company_id", "=", self.env.company.id),
        ]
        order = Order.search([*domain, ("name", "=", reference)], limit=1)
        if not order:
            order = Order.search([*domain, ("partner_ref", "=", reference)], limit=2)
            order = order if len(order) == 1 else Order
        if not order:
            message.notes.append(
                f"Purchase order {reference!r} of {vendor.display_name} is not known: "
                "the bill is kept without it."
            )
        return order

    @api.model
    def _purchase_line(self, order, reference, product):
        """The line of ``order`` a bill line refers to: by the PO line's id (as
        Odoo sends it), else by its position among the order's lines, else the one
        line of the same product."""
        lines = order.order_line.filtered(lambda line: not line.display_type)
        reference = (reference or "").strip()
        if reference.isdigit():
            number = int(reference)
            line = lines.filtered(lambda line: line.id == number)
            if not line and 0 < number <= len(lines):
                line = lines.sorted(lambda line: (line.sequence, line.id))[number - 1]
            if line:
                return line
        if product:
            line = lines.filtered(lambda line: line.product_id == product)
            if len(line) == 1:
                return line
        return lines.browse()

    @api.model
    def _existing_bill(self, vendor, move_type, number, digest):
        """The bill already made of this document: same vendor, type and
        normalised number, or the same original file; cancelled ones do not
        count. One import of a vendor's number at a time: a concurrent one waits
        here and then sees this one's bill."""
        key = normalise_reference(number)
        company = self.env.company
        if key:
            self.env.cr.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                [IMPORT_LOCK_CLASS, f"{company.id}/{vendor.id}/{key}"],
            )
        branches = []
        if key:
            branches.append(
                [
                    "&",
                    "&",
                    ("commercial_partner_id", "=", vendor.id),
                    ("move_type", "=", move_type),
                    ("ap_reference_key", "=", key),
                ]
            )
        if digest:
            branches.append([("ap_document_hash", "=", digest)])
        if not branches:
            return self.env[MOVE]
        domain = (
            ["|", *branches[0], *branches[1]] if len(branches) == 2 else branches[0]
        )
        return self.env[MOVE].search(
            [("company_id", "=", company.id), ("state", "!=", "cancel"), *domain],
            order="id",
            limit=1,
        )

    @api.model
    def _duplicate(self, message, bill, number):
        """A document already in Odoo: the message points at its bill, no new one."""
        message.link(bill, "duplicate")
        message.notes.append(
            f"Duplicate: {number!r} is {bill.display_name} already (the same vendor "
            "and number, or the same document); no new bill."
        )
        return bill

    @api.model
    def _attach_original(self, bill, name, content, mimetype):
        attachment = self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": content,
                "mimetype": mimetype,
                "res_model": MOVE,
                "res_id": bill.id,
            }
        )
        bill.message_main_attachment_id = attachment
        return attachment

    @api.model
    def _original_bill(self, vendor, numbers):
        """The vendor's bill a credit note refers to, by its number."""
        keys = [key for key in map(normalise_reference, numbers) if key]
        if not keys:
            return self.env[MOVE]
        return self.env[MOVE].search(
            [
                ("company_id", "=", self.env.company.id),
                ("commercial_partner_id", "=", vendor.id),
                ("move_type", "=", "in_invoice"),
                ("state", "!=", "cancel"),
                ("ap_reference_key", "in", keys),
            ],
            order="id",
            limit=1,
        )

    @api.model
    def _check_totals(self, message, bill, untaxed=None, tax=None, total=None):
        """Totals the sender states that the bill's lines do not give: a business
        exception for AP (the bill is kept as computed)."""
        currency = bill.currency_id
        differences = [
            f"{label} {stated} stated, {computed} computed"
            for label, stated, computed in (
                ("untaxed", untaxed, bill.amount_untaxed),
                ("tax", tax, bill.amount_tax),
                ("total", total, bill.amount_total),
            )
            if stated is not None and currency.compare_amounts(abs(stated), computed)
        ]
        if differences:
            message.report(
                "bill_totals_mismatch",
                f"{bill.display_name} ({bill.ref}): the totals sent do not match its "
                f"lines ({'; '.join(differences)} {currency.name}). Check the lines "
                "against the original document before posting.",
                bill,
            )

    # ------------------------------------------------------------ JSON
    @api.model
    @integration_processor("vendor_bill.json")
    def _process_vendor_bill_json(self, message, payload):
        given = payload["vendor"]
        vendor = self._vendor(
            message,
            vat=given.get("vat"),
            name=given.get("name"),
            ref=given.get("external_id"),
        )
        move_type = (
            "in_refund"
            if payload.get("document_type") == "credit_note"
            else "in_invoice"
        )
        number = payload["number"]
        content = self._json_document(payload.get("document"))
        digest = content and document_hash(content)
        existing = message.resolve(
            MOVE, payload["external_id"], required=False
        ) or self._existing_bill(vendor, move_type, number, digest)
        if existing:
            return self._duplicate(message, existing, number)
        currency = self._currency(payload.get("currency"))
        order = self._purchase_order(message, vendor, payload.get("purchase_order"))
        orders = {payload.get("purchase_order"): order}
        lines = []
        for index, line in enumerate(payload["lines"]):
            reference = line.get("purchase_order") or payload.get("purchase_order")
            if reference not in orders:
                orders[reference] = self._purchase_order(message, vendor, reference)
            lines.append(self._json_line_vals(message, orders[reference], line, index))
        vals = {
            "move_type": move_type,
            "partner_id": vendor.id,
            "ref": number,
            "invoice_date": payload["invoice_date"],
            "currency_id": currency.id,
            "invoice_origin": payload.get("purchase_order"),
            "narration": payload.get("note"),
            "invoice_line_ids": [Command.create(vals) for vals in lines],
        }
        if payload.get("due_date"):
            vals.update(
                invoice_date_due=payload["due_date"], invoice_payment_term_id=False
            )
        if move_type == "in_refund" and payload.get("refund_of"):
            vals["reversed_entry_id"] = self._original_bill(
                vendor, [payload["refund_of"]]
            ).id
        with hub_import(order):
            bill = message.upsert(MOVE, payload["external_id"], vals)
        document = payload.get("document") or {}
        attachment = self.env["ir.attachment"]
        if content:
            mimetype = document.get("mimetype") or "application/pdf"
            name = (
                document.get("filename")
                or f"{number}{mimetypes.guess_extension(mimetype) or ''}"
            )
            attachment = self._attach_original(bill, name, content, mimetype)
        bill._ap_set_origin(message.record, attachment, digest)
        linked = len(bill.invoice_line_ids.filtered("purchase_line_id"))
        message.notes.append(
            f"{bill.display_name}: {len(lines)} line(s), {linked} linked to a purchase "
            "order line."
        )
        totals = payload.get("totals") or {}
        self._check_totals(
            message, bill, totals.get("untaxed"), totals.get("tax"), totals.get("total")
        )
        return bill

    @api.model
    def _json_document(self, document):
        if not document:
            return None
        try:
            return base64.b64decode(document["data"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise IntegrationError(
                "document.data is not base64: send the image or PDF base64-encoded.",
                code="invalid_document",
                retryable=False,
            ) from exc

    @api.model
    def _currency(self, code):
        if not code:
            return self.env.company.currency_id
        currency = self.env["res.currency"].search([("name", "=", code)], limit=1)
        if not currency:
            raise IntegrationError(
                f"Currency {code!r} is not active in Odoo: activate it, then replay "
                "the message.",
                code="unknown_currency",
                retryable=False,
            )
        return currency

    @api.model
    def _json_line_vals(self, message, order, line, index):
        product = self.env["product.product"]
        if line.get("product_code"):
            product = product.search(
                [
                    ("default_code", "=", line["product_code"]),
                    *product._check_company_domain(self.env.company),
                ],
                limit=1,
            )
        purchase_line = self._purchase_line(
            order, str(line.get("purchase_line_id") or ""), product
        )
        if not product:
            product = purchase_line.product_id
        vals = {
            "name": line.get("description")
            or product.display_name
            or f"Line {index + 1}",
            "product_id": product.id,
            "quantity": line.get("quantity", 1.0),
            "price_unit": line["unit_price"],
            "discount": line.get("discount") or 0.0,
            "purchase_line_id": purchase_line.id,
        }
        if "taxes" in line:
            vals["tax_ids"] = [Command.set(self._taxes(line["taxes"]).ids)]
        elif purchase_line:
            vals["tax_ids"] = [Command.set(purchase_line.taxes_id.ids)]
        distribution = self._json_distribution(message, line) or (
            purchase_line.analytic_distribution
        )
        if distribution:
            vals["analytic_distribution"] = distribution
        return vals

    @api.model
    def _taxes(self, rates):
        Tax = self.env["account.tax"]
        taxes = Tax
        for rate in rates:
            tax = Tax.search(
                [
                    ("type_tax_use", "=", "purchase"),
                    ("amount_type", "=", "percent"),
                    ("amount", "=", rate),
                    ("price_include", "=", False),
                    *Tax._check_company_domain(self.env.company),
                ],
                limit=1,
            )
            if not tax:
                raise IntegrationError(
                    f"No purchase tax of {rate} % in {self.env.company.name}: create "
                    "it (or correct the rate), then replay the message.",
                    code="unknown_tax",
                    retryable=False,
                )
            taxes |= tax
        return taxes

    @api.model
    def _json_distribution(self, message, line):
        """job × cost code of a line, as construction_project_sync codes them."""
        if not line.get("job"):
            if line.get("cost_code"):
                raise IntegrationError(
                    "A cost code needs its job: send job with cost_code.",
                    code="cost_code_without_job",
                    retryable=False,
                )
            return None
        job = message.resolve("project.project", line["job"], required=False)
        if not job:
            job = self.env["project.project"].search(
                [("is_job", "=", True), ("job_number", "=", line["job"])], limit=1
            )
        if not job:
            raise IntegrationError(
                f"Job {line['job']!r} is not known in Odoo; send it with job.upsert "
                "first (the message retries on its own).",
                code="unknown_job",
            )
        if not line.get("cost_code"):
            return {str(job.account_id.id): 100.0}
        cost_code = self.env["construction.sync.flows"]._cost_code(message, line)
        return job._analytic_distribution(cost_code)

    # ------------------------------------------------------------ UBL
    @api.model
    @integration_parser("ubl_bill")
    def _parse_ubl_bill(self, document, content_type):
        """A UBL 2.1 / Peppol BIS 3.0 Invoice or CreditNote: its summary as the
        payload (the document itself stays on the message)."""
        try:
            root = ubl.load(document)
            summary = ubl.read_bill(root)
        except ubl.UblError as exc:
            raise IntegrationParseError(exc.message, code=exc.code) from exc
        if self.env[MOVE]._get_ubl_cii_builder_from_xml_tree(root) is None:
            raise IntegrationParseError(
                f"Customization {summary['customization_id']!r} is not a UBL "
                "format Odoo reads (Peppol BIS Billing 3.0 / EN 16931, or UBL 2.x "
                "with its UBLVersionID).",
                code="unsupported_format",
            )
        return summary

    @api.model
    @integration_processor("vendor_bill.ubl")
    def _process_vendor_bill_ubl(self, message, payload):
        # sudo record of the hub's bookkeeping: the document as received
        if not message.record.raw_body:
            raise IntegrationError(
                "Post the UBL document itself (Content-Type: application/xml).",
                code="document_required",
                retryable=False,
            )
        content = encode_xml(message.record.raw_body)
        supplier = payload["supplier"]
        vendor = self._vendor(
            message,
            vat=supplier.get("vat") or supplier.get("legal_id"),
            endpoint=supplier.get("endpoint_id"),
            scheme=supplier.get("endpoint_scheme"),
            name=supplier.get("name"),
        )
        move_type = (
            "in_refund" if payload["document_type"] == "credit_note" else "in_invoice"
        )
        number = payload["number"]
        digest = document_hash(content)
        existing = self._existing_bill(vendor, move_type, number, digest)
        if existing:
            return self._duplicate(message, existing, number)
        order = self._purchase_order(message, vendor, payload.get("order_reference"))
        with hub_import(order):
            bill = self.env[MOVE].create(
                {"move_type": move_type, "partner_id": vendor.id}
            )
            attachment = self._attach_original(
                bill, f"{number}.xml", content, "application/xml"
            )
            file_data = attachment._unwrap_edi_attachments()[0]
            if move_type == "in_refund":
                # Odoo's decoder knows a credit note by its root (or negative
                # amounts), not by an Invoice's type code 381: it reads it as one
                file_data["xml_tree"] = ubl.as_credit_note(file_data["xml_tree"])
            decoder = bill._get_edi_decoder(file_data, new=True)
            if not decoder(bill, file_data, True):
                raise IntegrationError(
                    f"Odoo's UBL decoder could not read {number!r} as a vendor bill "
                    "or credit note (its type code?); the document is kept on the "
                    "message.",
                    code="document_not_decoded",
                    retryable=False,
                )
        if bill.partner_id.commercial_partner_id != vendor:
            bill.partner_id = vendor
        message.link(bill, "created")
        bill._ap_set_origin(message.record, attachment, digest)
        if payload["currency"] != bill.currency_id.name:
            message.report(
                "bill_currency_unknown",
                f"{bill.display_name} ({number}) is in {payload['currency']}, which is "
                f"not active in Odoo: it was read in {bill.currency_id.name}. Activate "
                "the currency and import the document again.",
                bill,
            )
        if payload["billing_references"] and move_type == "in_refund":
            original = self._original_bill(vendor, payload["billing_references"])
            if original:
                bill.reversed_entry_id = original
            else:
                message.notes.append(
                    f"The invoice(s) {', '.join(payload['billing_references'])} this "
                    "credit note refers to are not in Odoo."
                )
        linked = len(bill.invoice_line_ids.filtered("purchase_line_id"))
        message.notes.append(
            f"{bill.display_name}: {len(payload['lines'])} document line(s), "
            f"{linked} linked to {order.name or 'no purchase order'}."
        )
        self._check_totals(
            message,
            bill,
            payload.get("tax_exclusive_amount"),
            None,
            payload.get("tax_inclusive_amount"),
        )
        return bill

    @api.model
    def _send_demo_documents(self, system_id, file_names, key_prefix):
        """Demo traffic: the UBL documents of demo/ubl, issued yesterday, stored in
        the inbox as the API stores a posted XML body."""
        system = self.env["integration.system"].browse(system_id)
        flow = self.env.ref("ap_matching.flow_vendor_bill_ubl")
        day = fields.Date.today() - timedelta(days=1)
        items = []
        for index, name in enumerate(file_names):
            with file_open(f"ap_matching/demo/ubl/{name}", "rb") as file:
                document = (
                    file.read()
                    .replace(b"@DAY@", day.isoformat().encode())
                    .replace(b"@DUE@", (day + timedelta(days=30)).isoformat().encode())
                )
            payload = flow._parse_document(document, "application/xml", self.env)
            items.append(
                {
                    "idempotency_key": f"{key_prefix}-{index}",
                    "raw_body": document.decode(),
                    "content_type": "application/xml",
                    "digest": hashlib.sha256(document).hexdigest(),
                    "event_time": None,
                    "payload": payload,
                    "raw": json.dumps(payload),
                }
            )
        # sudo: demo messages enter the inbox as the system's own would
        return (
            self.env["integration.message"]
            .sudo()
            ._ingest(system, flow, items, source="ui")
        )
