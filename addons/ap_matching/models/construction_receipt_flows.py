# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii

from markupsafe import Markup, escape

from odoo import api, models
from odoo.tools import float_compare

from odoo.addons.integration_queue.lib.datetimes import naive_utc
from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor

PICKING = "stock.picking"
ORDER = "purchase.order"


class ConstructionReceiptFlows(models.AbstractModel):
    """Processor of field receipts: the site confirms what a purchase order's
    delivery brought, and Odoo validates the incoming transfer as the warehouse
    would (what did not come stays on a backorder). The confirmation's id is mapped
    to the transfer it validated, so the same confirmation sent again receives
    nothing twice."""

    _name = "construction.receipt.flows"
    _description = "Field Receipt Flows"

    @api.model
    @integration_processor("receipt.confirm")
    def _process_receipt_confirm(self, message, payload):
        external_id = payload["external_id"]
        received = message.resolve(PICKING, external_id, required=False)
        if received:
            message.notes.append(
                f"Confirmation {external_id!r} was received already in "
                f"{received.name}: nothing is received twice."
            )
            message.link(received, "linked")
            return received
        order = self._receipt_order(message, payload["purchase_order"])
        quantities = self._receipt_quantities(message, order, payload["lines"])
        picking = self._receive(message, order, quantities, payload)
        self.env["integration.mapping"]._link(
            message.system, picking, external_id, message.record
        )
        message.link(picking, "updated")
        return picking

    @api.model
    def _receipt_order(self, message, reference):
        order = message.resolve(ORDER, reference, required=False)
        if not order:
            order = self.env[ORDER].search([("name", "=", reference)], limit=1)
        if not order:
            raise IntegrationError(
                f"Purchase order {reference!r} is not known in Odoo (or not to "
                f"{message.system.name}).",
                code="unknown_purchase_order",
            )
        if order.state not in ("purchase", "done"):
            # a draft or cancelled order has nothing to receive; it may be
            # confirmed later, so the message can wait
            raise IntegrationError(
                f"Purchase order {order.name} is not confirmed: nothing can be "
                "received on it.",
                code="purchase_order_not_confirmed",
            )
        return order

    @api.model
    def _receipt_quantities(self, message, order, lines):
        """{purchase order line: quantity in its unit} of the confirmation."""
        by_id = {line.id: line for line in order.order_line}
        by_code = {}
        for line in order.order_line.filtered("product_id.default_code"):
            by_code.setdefault(line.product_id.default_code, line)
        uoms = {}
        if any(line.get("uom") for line in lines):
            uoms = {
                uom.name.lower(): uom
                for uom in self.env["uom.uom"].search(
                    [("name", "in", [line["uom"] for line in lines if line.get("uom")])]
                )
            }
        quantities = {}
        for line in lines:
            po_line = by_id.get(line.get("po_line_id")) or by_code.get(
                line.get("product_code")
            )
            if not po_line:
                ref = line.get("po_line_id") or line.get("product_code")
                raise IntegrationError(
                    f"Purchase order {order.name} has no line {ref!r}.",
                    code="purchase_order_line_not_found",
                    retryable=False,
                )
            quantity = line["quantity"]
            if line.get("uom"):
                uom = uoms.get(line["uom"].lower())
                if not uom or uom.category_id != po_line.product_uom.category_id:
                    raise IntegrationError(
                        f"Unit {line['uom']!r} is unknown in Odoo or cannot measure "
                        f"{po_line.product_id.display_name} (ordered in "
                        f"{po_line.product_uom.name}).",
                        code="unknown_unit",
                        retryable=False,
                    )
                quantity = uom._compute_quantity(quantity, po_line.product_uom)
            quantities[po_line] = quantities.get(po_line, 0.0) + quantity
        return quantities

    @api.model
    def _receive(self, message, order, quantities, payload):
        open_moves = order.order_line.move_ids.filtered(
            lambda m: (
                m.state not in ("done", "cancel")
                and m.picking_id.picking_type_code == "incoming"
            )
        )
        pickings = open_moves.picking_id
        if not pickings:
            raise IntegrationError(
                f"Purchase order {order.name} has no delivery waiting to be "
                "received: everything was received already.",
                code="nothing_to_receive",
                retryable=False,
            )
        moves_of = open_moves.grouped("purchase_line_id")
        over = []
        for po_line, quantity in quantities.items():
            rounding = po_line.product_uom.rounding
            expected = po_line.product_qty - po_line.qty_received
            if po_line not in moves_of:
                over.append((po_line, quantity, 0.0))
            elif float_compare(quantity, expected, precision_rounding=rounding) > 0:
                over.append((po_line, quantity, expected))
            if po_line.product_id.tracking != "none":
                raise IntegrationError(
                    f"{po_line.product_id.display_name} is tracked by lot or serial "
                    "number: receive it in Odoo, where the numbers are entered.",
                    code="tracked_product",
                    retryable=False,
                )
        text = "; ".join(
            f"{line.product_id.display_name}: {qty:g} {line.product_uom.name} "
            f"confirmed, {expected:g} still expected"
            for line, qty, expected in over
        )
        if over and order.company_id.ap_over_receipt_policy == "refuse":
            raise IntegrationError(
                f"The confirmation receives more than {order.name} expects ({text}); "
                "nothing was received. Change the order or the confirmation, then "
                "replay the message.",
                code="over_receipt",
                retryable=False,
            )
        # a delivery brings what it brings: the lines it names get its quantities
        # (a line's last open move takes any surplus), the others none
        for move in open_moves:
            move.quantity = 0.0
            move.picked = False
        for po_line, quantity in quantities.items():
            moves = moves_of.get(po_line, open_moves.browse())
            for index, move in enumerate(moves):
                # the order line's unit, then the move's
                share = (
                    quantity
                    if index == len(moves) - 1
                    else min(
                        quantity,
                        move.product_uom._compute_quantity(
                            move.product_uom_qty, po_line.product_uom
                        ),
                    )
                )
                if share > 0:
                    move.quantity = po_line.product_uom._compute_quantity(
                        share, move.product_uom
                    )
                    move.picked = True
                quantity -= share
        touched = pickings.filtered(lambda p: any(p.move_ids.mapped("picked")))
        # skip_backorder: what did not come stays open on a backorder, as the
        # warehouse's "create backorder" answer does
        touched.with_context(skip_backorder=True, skip_sms=True).button_validate()
        done_at = naive_utc(payload["date"]) if payload.get("date") else None
        if done_at:
            touched.write({"date_done": done_at})
        self._receipt_note(touched, payload)
        if over:
            message.report(
                "over_receipt",
                f"{order.name}: the field received more than ordered ({text}).",
                order,
            )
        return touched[:1]

    @api.model
    def _receipt_note(self, pickings, payload):
        attachments = []
        for document in payload.get("attachments") or []:
            try:
                data = base64.b64decode(document["data"], validate=True)
            except (binascii.Error, ValueError) as error:
                raise IntegrationError(
                    f"Attachment {document['name']!r} is not valid base64.",
                    code="invalid_attachment",
                    retryable=False,
                ) from error
            attachments.append((document["name"], data))
        parts = [
            escape(f"Received on site by {payload.get('received_by') or 'the field'}")
        ]
        if payload.get("delivery_note"):
            parts.append(escape(f"delivery note {payload['delivery_note']}"))
        if payload.get("note"):
            parts.append(escape(payload["note"]))
        body = Markup(", ").join(parts) + Markup(".")
        for picking in pickings:
            # a log, not a post: a service user has no mailbox to send from
            files = self.env["ir.attachment"].create(
                [
                    {
                        "name": name,
                        "raw": data,
                        "res_model": PICKING,
                        "res_id": picking.id,
                    }
                    for name, data in attachments
                ]
            )
            picking._message_log(body=body, attachment_ids=files.ids)
