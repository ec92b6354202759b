# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import Command, _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

from ..lib.subcontract_billing import subcontract_billing

# a change of these on an order moves the match of its bills
ORDER_FIGURES = {"state", "construction_closed_out", "partner_id", "currency_id"}
AP_MANAGER = "ap_matching.group_ap_manager"


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    def write(self, vals):
        result = super().write(vals)
        if ORDER_FIGURES & set(vals):
            self.env["account.move"]._ap_rematch_order_lines(self.order_line)
        return result

    def button_confirm(self):
        # the vendor policy binds every order, not only those made from requests:
        # a blocked vendor's RFQ, or one entered by hand, is not confirmed either
        self.filtered(lambda o: o.state in ("draft", "sent"))._ap_check_vendor_policy()
        return super().button_confirm()

    def button_approve(self, force=False):
        # the second validation of a large order: the vendor may have been
        # blocked since it was confirmed
        self.filtered(lambda o: o.state == "to approve")._ap_check_vendor_policy()
        return super().button_approve(force=force)

    def _ap_check_vendor_policy(self):
        for order in self:
            needed = order.date_planned and order.date_planned.date()
            problem = order.partner_id._ap_purchase_problem(
                needed, order._ap_cost_types()
            )
            if problem:
                raise UserError(
                    _(
                        "%(order)s cannot be confirmed: %(problem)s Only an AP "
                        "manager lifts a vendor's block or renews its compliance "
                        "date.",
                        order=order.name,
                        problem=problem,
                    )
                )

    def _ap_cost_types(self):
        """What the order buys, as cost types: a subcontract's (and material, for
        goods on it: marking an order Subcontract buys no goods from a vendor
        approved for subcontract work only), else those of the cost codes its lines
        are coded to."""
        self.ensure_one()
        if self.is_subcontract:
            goods = any(line.product_id.type == "consu" for line in self.order_line)
            return {"subcontract", "material"} if goods else {"subcontract"}
        accounts = self.order_line.distribution_analytic_account_ids
        # sudo: a buyer may not read every cost code; only their types are asked
        codes = (
            self.env["construction.cost.code"]
            .sudo()
            .search([("analytic_account_id", "in", accounts.ids)])
        )
        return set(codes.mapped("cost_type"))

    # ------------------------------------------------------------ subcontracts
    ap_retention_percent = fields.Float(
        string="Retention (%)",
        default=10.0,
        tracking=True,
        help="Withheld from each pay application of the subcontract (completed "
        "work and stored materials) until the retention is released.",
    )
    ap_pay_app_ids = fields.One2many(
        "ap.subcontract.pay.app", "order_id", string="Pay Applications"
    )
    ap_pay_app_count = fields.Integer(compute="_compute_ap_pay_app_count")
    ap_change_order_ids = fields.One2many(
        "ap.subcontract.change.order", "order_id", string="Subcontract Change Orders"
    )
    ap_retention_withheld = fields.Monetary(
        string="Retention Withheld",
        compute="_compute_ap_retention",
        help="Withheld on the subcontract's posted pay application bills.",
    )
    ap_retention_released = fields.Monetary(
        string="Retention Released",
        compute="_compute_ap_retention",
        help="On retention release bills, drafts included (a release being "
        "prepared is no longer there to release).",
    )
    ap_retention_held = fields.Monetary(
        string="Retention Held", compute="_compute_ap_retention"
    )

    def _compute_ap_pay_app_count(self):
        for order in self:
            order.ap_pay_app_count = len(order.ap_pay_app_ids)

    def _compute_ap_retention(self):
        balances = self._ap_retention_balances()
        for order in self:
            withheld = -balances.get((order.id, "progress"), 0.0)
            released = balances.get((order.id, "retention_release"), 0.0)
            order.ap_retention_withheld = withheld
            order.ap_retention_released = released
            order.ap_retention_held = withheld - released

    def _ap_retention_balances(self):
        """{(order id, bill kind): balance of its retention lines, in the order's
        currency}: pay application bills once posted, releases drafts included;
        negative what is withheld, positive what is released."""
        # sudo: the figure caps a release and shows on the subcontract for
        # purchasing and project people without billing rights
        lines = self.env["account.move.line"].sudo()
        result = {}
        for kind, states in (
            ("progress", ["posted"]),
            ("retention_release", ["draft", "posted"]),
        ):
            for move, amount in lines._read_group(
                [
                    ("move_id.ap_subcontract_order_id", "in", self.ids),
                    ("move_id.ap_subcontract_kind", "=", kind),
                    ("ap_subcontract_retention", "=", True),
                    ("parent_state", "in", states),
                ],
                ["move_id"],
                ["amount_currency:sum"],
            ):
                key = (move.ap_subcontract_order_id.id, kind)
                result[key] = result.get(key, 0.0) + amount
        return result

    def _ap_schedule_of_values(self):
        """The subcontract's schedule of values: its priced order lines."""
        self.ensure_one()
        return self.order_line.filtered(
            lambda line: not line.display_type and line.product_qty > 0
        ).sorted("sequence")

    def _ap_check_schedule_of_values(self):
        """A subcontract takes pay applications when it names its job and each
        item is a lump sum: its value in quantity at a unit price of 1, billed on
        ordered quantities, so a bill may carry any amount of it."""
        for order in self:
            if not order.job_id:
                raise UserError(
                    _("Subcontract %s names no job: set the job first.", order.name)
                )
            wrong = order._ap_schedule_of_values().filtered(
                lambda line: (
                    line.price_unit != 1.0
                    or line.product_id.purchase_method != "purchase"
                )
            )
            if wrong:
                raise UserError(
                    _(
                        "%(order)s: each line of a subcontract is a schedule of "
                        "values item entered as its value in quantity at a unit "
                        "price of 1 (a product billed on ordered quantities); "
                        "%(line)s is not.",
                        order=order.name,
                        line=wrong[0].name,
                    )
                )

    def action_ap_view_pay_apps(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ap_matching.action_ap_subcontract_pay_apps"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"default_order_id": self.id}
        return action

    def action_ap_release_retention(self):
        """A draft bill paying out the retention held on the subcontract, on the
        retention payable account by job × cost code, once the company's release
        policy allows it."""
        if not self.env.user.has_group(AP_MANAGER):
            raise UserError(_("Only an AP manager releases retention."))
        bills = self.env["account.move"]
        for order in self:
            # one release at a time per subcontract: the second waits, then finds
            # only what the first left
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM purchase_order WHERE id = %s FOR UPDATE",
                    order.id,
                )
            )
            order.invalidate_recordset(["ap_retention_held"])
            bills |= order._ap_create_release_bill()
        if len(bills) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": bills.id,
                "view_mode": "form",
            }
        return True

    def _ap_retention_by_distribution(self):
        """{analytic distribution as JSON text: retention held} of the subcontract."""
        self.ensure_one()
        # sudo: see _ap_retention_balances
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("move_id.ap_subcontract_order_id", "=", self.id),
                    ("ap_subcontract_retention", "=", True),
                    "|",
                    "&",
                    ("move_id.ap_subcontract_kind", "=", "progress"),
                    ("parent_state", "=", "posted"),
                    "&",
                    ("move_id.ap_subcontract_kind", "=", "retention_release"),
                    ("parent_state", "in", ("draft", "posted")),
                ]
            )
        )
        held = {}
        for line in lines:
            key = tuple(sorted((line.analytic_distribution or {}).items()))
            held[key] = held.get(key, 0.0) - line.amount_currency
        return held

    def _ap_check_release_allowed(self):
        self.ensure_one()
        if self.company_id.ap_subcontract_release_policy != "completion":
            return
        certified = self.ap_pay_app_ids.filtered(
            lambda app: app.state in ("certified", "billed")
        ).sorted("number")[-1:]
        incomplete = self._ap_schedule_of_values().filtered(
            lambda line: (
                self.currency_id.compare_amounts(
                    sum(
                        certified.line_ids.filtered(
                            lambda pl, line=line: pl.order_line_id == line
                        ).mapped("total_to_date")
                    ),
                    line.price_subtotal,
                )
                < 0
            )
        )
        if incomplete or not certified:
            raise UserError(
                _(
                    "%s is not complete: retention is released once a certified pay "
                    "application shows every item at 100%% (company setting "
                    "Retention Release).",
                    self.name,
                )
            )

    def _ap_create_release_bill(self):
        self.ensure_one()
        currency = self.currency_id
        if not self.is_subcontract:
            raise UserError(_("%s is not a subcontract.", self.name))
        self._ap_check_release_allowed()
        held = {
            key: amount
            for key, amount in self._ap_retention_by_distribution().items()
            if not currency.is_zero(amount)
        }
        if not held or currency.compare_amounts(sum(held.values()), 0) <= 0:
            raise UserError(_("%s holds no retention to release.", self.name))
        account = self.company_id._ap_subcontract_retention_account()
        lines = [
            Command.create(
                {
                    "name": _("Retention released on %s", self.name),
                    "quantity": 1.0,
                    "price_unit": amount,
                    "account_id": account.id,
                    "tax_ids": [Command.clear()],
                    "analytic_distribution": dict(key) or False,
                    "ap_subcontract_retention": True,
                }
            )
            for key, amount in held.items()
        ]
        with subcontract_billing():
            bill = (
                self.env["account.move"]
                .with_company(self.company_id)
                .create(
                    {
                        "move_type": "in_invoice",
                        "partner_id": self.partner_id.id,
                        "currency_id": currency.id,
                        "invoice_date": fields.Date.context_today(self),
                        "invoice_origin": self.name,
                        "ref": _("%s retention release", self.name),
                        "ap_subcontract_order_id": self.id,
                        "ap_subcontract_kind": "retention_release",
                        "invoice_line_ids": lines,
                    }
                )
            )
        self.message_post(
            body=Markup(_("Retention release bill %(bill)s for %(amount)s."))
            % {
                "bill": bill._get_html_link(title=bill.display_name),
                "amount": format_amount(self.env, sum(held.values()), currency),
            }
        )
        return bill
