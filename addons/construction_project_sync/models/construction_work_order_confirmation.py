# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer's signed confirmation of a completed work order, and the invoice
line it becomes.

A confirmation comes only from the field platform (flow ``work_order.confirmation``,
written inside the task's ``_work_order_unlock`` as status events are). Billing is a
person's act: someone with invoicing rights turns confirmations into lines of
customer invoice drafts, one draft per customer, month and company; accounting posts
it. Nothing here posts, and a job with a schedule of values bills through its pay
application instead.
"""

import base64
import binascii

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.integration_queue.lib.datetimes import naive_utc
from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor

from .account_move_line import BILLING_CONFIRMATIONS
from .project_task import _UNLOCKED

BILLING_GROUP = "account.group_account_invoice"

STATES = [
    ("to_invoice", "Awaiting Billing"),
    ("draft", "On Invoice Draft"),
    ("invoiced", "Invoiced"),
    ("pay_application", "Via Pay Application"),
]


class ConstructionWorkOrderConfirmation(models.Model):
    _name = "construction.work.order.confirmation"
    _description = "Work Order Service Confirmation"
    _inherit = ["mail.thread"]
    _order = "signed_at desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    task_id = fields.Many2one(
        "project.task",
        string="Work Order",
        required=True,
        ondelete="restrict",
        readonly=True,
        index=True,
    )
    job_id = fields.Many2one(related="task_id.project_id", store=True, index=True)
    company_id = fields.Many2one(related="task_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        index=True,
        help="Who is invoiced: the work order's customer, else the job's.",
    )
    signer_name = fields.Char(string="Signed By", required=True, readonly=True)
    signer_email = fields.Char(readonly=True)
    signed_at = fields.Datetime(
        required=True,
        readonly=True,
        help="When the customer signed on the device.",
    )
    billing_period = fields.Date(
        compute="_compute_billing_period",
        store=True,
        help="First day of the month of the signature: the invoice draft it "
        "joins is the customer's of that month.",
    )
    note = fields.Text(readonly=True)
    attachment_id = fields.Many2one(
        "ir.attachment", string="Signature", readonly=True, ondelete="restrict"
    )
    system_id = fields.Many2one("integration.system", readonly=True, index=True)
    integration_message_id = fields.Many2one(
        "integration.message", readonly=True, ondelete="set null"
    )
    via_pay_application = fields.Boolean(
        readonly=True,
        help="The job bills by a schedule of values: this work is billed by the "
        "job's pay application, never by an invoice line of its own.",
    )
    invoice_line_ids = fields.One2many(
        "account.move.line", "work_order_confirmation_id", readonly=True
    )
    invoice_id = fields.Many2one("account.move", compute="_compute_state", store=True)
    amount_untaxed = fields.Monetary(
        compute="_compute_state", store=True, currency_field="currency_id"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        STATES,
        compute="_compute_state",
        store=True,
        index=True,
        tracking=True,
        help="Awaiting billing until a person adds it to an invoice draft; "
        "invoiced once that invoice is posted. Deleting or cancelling the invoice "
        "brings it back to awaiting billing.",
    )

    _sql_constraints = [
        (
            "task_uniq",
            "unique(task_id)",
            "A work order has one service confirmation.",
        )
    ]

    @api.depends("task_id.name", "signer_name")
    def _compute_name(self):
        for confirmation in self:
            confirmation.name = _(
                "%(task)s, signed by %(signer)s",
                task=confirmation.task_id.name,
                signer=confirmation.signer_name,
            )

    @api.depends("task_id.partner_id", "job_id.partner_id")
    def _compute_partner_id(self):
        for confirmation in self:
            partner = confirmation.task_id.partner_id or confirmation.job_id.partner_id
            confirmation.partner_id = partner.commercial_partner_id

    @api.depends("signed_at")
    def _compute_billing_period(self):
        for confirmation in self:
            signed = confirmation.signed_at
            confirmation.billing_period = signed and signed.date().replace(day=1)

    @api.depends(
        "via_pay_application",
        "invoice_line_ids.parent_state",
        "invoice_line_ids.price_subtotal",
    )
    def _compute_state(self):
        for confirmation in self:
            lines = confirmation.invoice_line_ids.filtered(
                lambda line: line.parent_state != "cancel"
            )
            confirmation.invoice_id = lines.move_id[:1]
            confirmation.amount_untaxed = sum(lines.mapped("price_subtotal"))
            if confirmation.via_pay_application:
                confirmation.state = "pay_application"
            elif not lines:
                confirmation.state = "to_invoice"
            elif all(line.parent_state == "posted" for line in lines):
                confirmation.state = "invoiced"
            else:
                confirmation.state = "draft"

    # ------------------------------------------------------------------ ORM
    @api.model_create_multi
    def create(self, vals_list):
        # written by the confirmation flow's processing of their tasks only
        unlocked = _UNLOCKED.get()
        if any(vals.get("task_id") not in unlocked for vals in vals_list):
            raise UserError(
                _("Service confirmations come from the field platform only.")
            )
        return super().create(vals_list)

    def write(self, vals):
        unlocked = _UNLOCKED.get()
        if set(vals) - {"message_main_attachment_id"} and not all(
            confirmation.task_id.id in unlocked for confirmation in self
        ):
            raise UserError(
                _("A service confirmation is kept as the customer signed it.")
            )
        return super().write(vals)

    # ------------------------------------------------------------------ flow
    @api.model
    @integration_processor("work_order.confirmation")
    def _process_work_order_confirmation(self, message, payload):
        """The customer signed for a completed, billable work order: keep the
        signature on the task and the confirmation awaiting billing (or, on a
        job with a schedule of values, noted for its pay application)."""
        ref = str(payload["work_order_external_id"])
        task = message.resolve("project.task", ref)
        if not task.is_work_order or not task.work_order_billable:
            raise IntegrationError(
                _(
                    "%s is not billable: Odoo bills it only once a person marks it "
                    "billable; replay this message then.",
                    task.display_name,
                ),
                code="work_order_not_billable",
                retryable=False,
            )
        if task.work_order_status != "completed":
            raise IntegrationError(
                _(
                    "%(task)s is %(status)s, not completed: a confirmation is "
                    "billed only for completed work. Send its completed status "
                    "event (the message retries on its own).",
                    task=task.display_name,
                    status=task.work_order_status or _("not started"),
                ),
                code="work_order_not_completed",
            )
        existing = task.work_order_confirmation_ids
        if existing and existing.state != "to_invoice":
            message.notes.append(
                _(
                    "%(task)s was confirmed before (%(state)s); the confirmation "
                    "stays as it was.",
                    task=task.display_name,
                    state=dict(STATES)[existing.state],
                )
            )
            return existing
        signature = payload["signature"]
        try:
            base64.b64decode(signature["content_base64"], validate=True)
        except binascii.Error as exc:
            raise IntegrationError(
                _("The signature is not valid base64: %s", exc),
                code="invalid_signature_file",
                retryable=False,
            ) from exc
        attachment = self.env["ir.attachment"].create(
            {
                "name": signature.get("filename") or "signature.png",
                "datas": signature["content_base64"],
                "mimetype": signature.get("mimetype") or "image/png",
                "res_model": "project.task",
                "res_id": task.id,
            }
        )
        vals = {
            "signer_name": payload["signer_name"],
            "signer_email": payload.get("signer_email") or False,
            "signed_at": naive_utc(payload["signed_at"]).replace(microsecond=0),
            "note": payload.get("note") or False,
            "attachment_id": attachment.id,
            "system_id": message.system.id,
            "integration_message_id": message.record.id,
            "via_pay_application": bool(task.project_id.sov_line_ids),
        }
        with task._work_order_unlock():
            if existing:
                existing.write(vals)
                confirmation = existing
            else:
                confirmation = self.create({**vals, "task_id": task.id})
        if confirmation.via_pay_application:
            message.notes.append(
                _(
                    "%(job)s bills by its schedule of values: %(task)s is billed "
                    "by the job's pay application, not by an invoice line.",
                    job=task.project_id.display_name,
                    task=task.display_name,
                )
            )
        return confirmation

    # ------------------------------------------------------------------ billing
    def action_create_invoice_drafts(self):
        """Add each confirmation awaiting billing to its customer's invoice draft
        of the month (created if there is none); accounting posts it."""
        if not self.env.user.has_group(BILLING_GROUP):
            raise UserError(_("Only a person with invoicing rights bills work orders."))
        pending = self.filtered(lambda c: c.state == "to_invoice")
        if not pending:
            raise UserError(_("None of these confirmations is awaiting billing."))
        moves = self.env["account.move"]
        for confirmation in pending:
            moves |= confirmation._add_to_invoice_draft()
        if len(moves) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": moves.id,
                "view_mode": "form",
            }
        return {
            "type": "ir.actions.act_window",
            "name": _("Invoice Drafts"),
            "res_model": "account.move",
            "domain": [("id", "in", moves.ids)],
            "view_mode": "list,form",
        }

    def _add_to_invoice_draft(self):
        self.ensure_one()
        task, company = self.task_id, self.company_id
        if not self.partner_id:
            raise UserError(
                _("%s has no customer to invoice: set one on it or its job.")
                % task.display_name
            )
        lines = self._invoice_line_vals()
        if not lines:
            raise UserError(
                _(
                    "%s has nothing to bill: no hours timesheeted, no materials "
                    "consumed.",
                    task.display_name,
                )
            )
        move = self._invoice_draft()
        # sudo: the contract's taxes are set by controllers and accounting
        # managers; a clerk billing the work order applies them, never edits them
        taxes = task.project_id.sudo()._billing_taxes(company)
        analytic = (
            {str(task.project_id.account_id.id): 100.0}
            if task.project_id.account_id
            else False
        )
        token = BILLING_CONFIRMATIONS.set(frozenset({self.id}))
        try:
            move.write(
                {
                    "invoice_line_ids": [
                        Command.create(
                            {
                                **vals,
                                "tax_ids": taxes,
                                "analytic_distribution": analytic,
                                "work_order_confirmation_id": self.id,
                            }
                        )
                        for vals in lines
                    ]
                }
            )
        finally:
            BILLING_CONFIRMATIONS.reset(token)
        if self.attachment_id:
            self.attachment_id.copy({"res_model": "account.move", "res_id": move.id})
        move.message_post(
            body=Markup(_("Work order %(task)s added, signed by %(signer)s."))
            % {"task": task._get_html_link(), "signer": self.signer_name}
        )
        return move

    def _invoice_draft(self):
        """The customer's service invoice draft of the month, made if missing; two
        people billing at once for the same customer and month take turns."""
        self.ensure_one()
        company, partner, period = self.company_id, self.partner_id, self.billing_period
        self.env.cr.execute(
            SQL(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                f"work_order_invoice:{company.id}:{partner.id}:{period}",
            )
        )
        Move = self.env["account.move"].with_company(company)
        move = Move.search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "draft"),
                ("construction_billing_kind", "=", "service"),
                ("company_id", "=", company.id),
                ("partner_id", "=", partner.id),
                ("work_order_billing_period", "=", period),
            ],
            limit=1,
        )
        if move:
            return move
        period_end = period + relativedelta(months=1, days=-1)
        return Move.create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "journal_id": company._construction_sale_journal().id,
                "invoice_date": min(period_end, fields.Date.context_today(self)),
                "invoice_origin": _("Work orders %s", f"{period:%Y-%m}"),
                "construction_billing_kind": "service",
                "work_order_billing_period": period,
            }
        )

    def _invoice_line_vals(self):
        """Invoice line values (without taxes and analytics) of the work order:
        one fixed-price line, or its labour hours and materials at the job's
        pricelist."""
        self.ensure_one()
        task, company = self.task_id, self.company_id
        prefix = task.name
        if task.work_order_billing_method == "fixed":
            if company.currency_id.is_zero(task.work_order_fixed_price):
                raise UserError(
                    _("%s is billed at a fixed price, but none is set.")
                    % task.display_name
                )
            product = company._work_order_fixed_price_product()
            return [
                {
                    "product_id": product.id,
                    "name": _("%(task)s (fixed price)", task=prefix),
                    "quantity": 1.0,
                    "product_uom_id": product.uom_id.id,
                    "price_unit": task.work_order_fixed_price,
                }
            ]
        pricelist = task.project_id.work_order_pricelist_id
        when = self.signed_at.date()
        # sudo: billing reads the hours on the work order, whoever the timesheets'
        # record rules show the person billing; only their total is used
        hours = sum(task.sudo().timesheet_ids.mapped("unit_amount"))
        labour = company._work_order_labour_product()
        items = []
        if hours:
            items.append(
                {
                    "product": labour,
                    "quantity": hours,
                    "uom": labour.uom_id,
                    "name": _("%(task)s: labour", task=prefix),
                }
            )
        items += task._work_order_billable_materials()
        return [
            {
                "product_id": item["product"].id,
                "name": item["name"],
                "quantity": item["quantity"],
                "product_uom_id": item["uom"].id,
                "price_unit": self._price(pricelist, item, when),
            }
            for item in items
        ]

    def _price(self, pricelist, item, when):
        product = item["product"].with_company(self.company_id)
        if not pricelist:
            return product.uom_id._compute_price(product.lst_price, item["uom"])
        return pricelist._get_product_price(
            product,
            item["quantity"],
            currency=self.company_id.currency_id,
            uom=item["uom"],
            date=when,
        )

    # ------------------------------------------------------------------ UI
    def action_view_invoice(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.invoice_id.id,
            "view_mode": "form",
        }
