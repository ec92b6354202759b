"""Reading a UBL 2.1 / Peppol BIS Billing 3.0 Invoice or CreditNote far enough to
store, route and deduplicate it: who sent it, its number, dates, order reference and
totals. The bill itself is made by Odoo's own decoder (account_edi_ubl_cii) from the
document kept on the message; this module only refuses what it could not read."""

from copy import deepcopy

from lxml import etree

from odoo.addons.integration_queue.lib.xml_document import parse_safely

NAMESPACES = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
# UNCL1001 invoice type codes meaning a credit note inside an Invoice root
CREDIT_NOTE_CODES = {"381", "396", "81", "83", "532"}


class UblError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def load(document):
    """The root element of a UBL Invoice or CreditNote (bytes), or UblError."""
    root = parse_safely(document, UblError)
    name = etree.QName(root)
    if NAMESPACES.get(name.localname) != name.namespace:
        raise UblError(
            "not_an_invoice",
            f"The root element is {name.localname!r} in {name.namespace!r}: a UBL "
            "2.1 Invoice or CreditNote was expected.",
        )
    return root


def _text(node, path):
    value = node.findtext(path, namespaces=NS)
    value = value.strip() if value else None
    return value or None


def _amount(node, path):
    value = _text(node, path)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise UblError("bad_amount", f"{path} is not a number: {value!r}.") from exc


def read_bill(root):
    """The summary of a loaded document (a JSON-able dict)."""
    kind = etree.QName(root).localname
    type_code = _text(root, "cbc:InvoiceTypeCode") or _text(
        root, "cbc:CreditNoteTypeCode"
    )
    credit = kind == "CreditNote" or type_code in CREDIT_NOTE_CODES
    party = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    if party is None:
        raise UblError(
            "missing_supplier", "The document has no AccountingSupplierParty."
        )
    endpoint = party.find("cbc:EndpointID", NS)
    supplier = {
        "name": _text(party, "cac:PartyName/cbc:Name")
        or _text(party, "cac:PartyLegalEntity/cbc:RegistrationName"),
        "vat": _text(party, "cac:PartyTaxScheme/cbc:CompanyID"),
        "legal_id": _text(party, "cac:PartyLegalEntity/cbc:CompanyID"),
        "endpoint_id": endpoint.text.strip()
        if endpoint is not None and endpoint.text
        else None,
        "endpoint_scheme": endpoint.get("schemeID") if endpoint is not None else None,
    }
    if not any(supplier.values()):
        raise UblError(
            "missing_supplier",
            "The supplier has neither a name, a VAT id nor an endpoint id.",
        )
    line_tag = "cac:CreditNoteLine" if kind == "CreditNote" else "cac:InvoiceLine"
    lines = [
        {
            "id": _text(line, "cbc:ID"),
            "order_line_id": _text(line, "cac:OrderLineReference/cbc:LineID"),
        }
        for line in root.findall(line_tag, NS)
    ]
    summary = {
        "document_type": "credit_note" if credit else "invoice",
        "customization_id": _text(root, "cbc:CustomizationID"),
        "number": _text(root, "cbc:ID"),
        "issue_date": _text(root, "cbc:IssueDate"),
        "due_date": _text(root, "cbc:DueDate")
        or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate"),
        "currency": _text(root, "cbc:DocumentCurrencyCode"),
        "supplier": supplier,
        "order_reference": _text(root, "cac:OrderReference/cbc:ID"),
        "billing_references": [
            ref.text.strip()
            for ref in root.findall(
                "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", NS
            )
            if ref.text and ref.text.strip()
        ],
        "lines": lines,
        "tax_exclusive_amount": _amount(
            root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount"
        ),
        "tax_inclusive_amount": _amount(
            root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"
        ),
        "payable_amount": _amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount"),
    }
    for key, words in (
        ("number", "an ID (the invoice number)"),
        ("issue_date", "an IssueDate"),
        ("currency", "a DocumentCurrencyCode"),
    ):
        if not summary[key]:
            raise UblError("missing_field", f"The document has no {words}.")
    if not lines:
        raise UblError("no_lines", f"The document has no {line_tag[4:]}.")
    return summary


def as_credit_note(root):
    """An Invoice with a credit note's type code (381...) and positive amounts,
    as the CreditNote it stands for, for Odoo's decoder: a renamed copy (root,
    type code, lines and their quantities); any other document as it is. An
    Invoice with negative amounts Odoo reads as a credit note already."""
    if etree.QName(root) != etree.QName(NAMESPACES["Invoice"], "Invoice"):
        return root
    if (_amount(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") or 0) < 0:
        return root
    note = deepcopy(root)
    note.tag = etree.QName(NAMESPACES["CreditNote"], "CreditNote").text
    for prefix, old, new in (
        ("cbc", "InvoiceTypeCode", "CreditNoteTypeCode"),
        ("cac", "InvoiceLine", "CreditNoteLine"),
        ("cbc", "InvoicedQuantity", "CreditedQuantity"),
    ):
        for node in note.iter(etree.QName(NS[prefix], old).text):
            node.tag = etree.QName(NS[prefix], new).text
    return note
