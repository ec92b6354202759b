# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_is_zero

# the account types whose bill lines are job cost (construction_project_sync's job
# cost reads the same ones as actual)
EXPENSE_ACCOUNT_TYPES = ("expense", "expense_depreciation", "expense_direct_cost")


class ConstructionMaterialConsumption(models.Model):
    """Material the field used on a job: the stock move that took it from the van or
    site location to the company's job consumption location (valued by Odoo's stock
    valuation at the product's cost) and the job cost line (job × cost code, cost
    type material) that posted that value.

    The flow ``material.consumed`` writes these records and nobody else: what was
    consumed is what the stock move did, so they are never edited. A correction is
    a return (flow ``material.returned``): a record of its own with negative
    quantities, whose stock move brings the material back to the van as a return of
    the consumption's move (valued at its cost) and whose job cost line gives back
    the returned share of the consumption's job cost.

    A product the job bought on its own purchase orders and whose posted bill put it
    on an expense account with the job's analytic account is job cost from that bill
    already; consuming it from stock posts no second cost for that quantity
    (``charged_by_bill_qty``), only for what is beyond it.
    """

    _name = "construction.material.consumption"
    _description = "Material Consumption"
    _inherit = ["mail.thread"]
    _order = "consumed_at desc, id desc"
    _check_company_auto = True

    external_id = fields.Char(
        string="Field Reference",
        required=True,
        readonly=True,
        index=True,
        help="The field platform's id of the report; the same report sent again "
        "moves nothing twice.",
    )
    system_id = fields.Many2one(
        "integration.system",
        required=True,
        readonly=True,
        ondelete="restrict",
        help="The field platform that reported the consumption.",
    )
    integration_message_id = fields.Many2one(
        "integration.message",
        string="Message",
        readonly=True,
        ondelete="set null",
        help="The hub message that reported it.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    job_id = fields.Many2one(
        "project.project",
        required=True,
        readonly=True,
        index=True,
        check_company=True,
        ondelete="restrict",
    )
    task_id = fields.Many2one(
        "project.task",
        string="Work Order",
        readonly=True,
        index="btree_not_null",
        check_company=True,
        ondelete="restrict",
        help="The work order the material went into, when the field named one.",
    )
    cost_code_id = fields.Many2one(
        "construction.cost.code",
        readonly=True,
        ondelete="restrict",
        help="Job cost line's cost code: the report's, else the work order's.",
    )
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, ondelete="restrict"
    )
    quantity = fields.Float(
        required=True,
        readonly=True,
        digits="Product Unit of Measure",
        help="As the field reported it, in its unit.",
    )
    uom_id = fields.Many2one(
        "uom.uom", string="Unit", required=True, readonly=True, ondelete="restrict"
    )
    product_qty = fields.Float(
        string="Quantity (product unit)",
        readonly=True,
        digits="Product Unit of Measure",
        help="The quantity in the product's own unit, as stock counts it.",
    )
    location_id = fields.Many2one(
        "stock.location",
        string="Taken From",
        required=True,
        readonly=True,
        ondelete="restrict",
        help="The van or site location that held the material (on a return: where "
        "it went back).",
    )
    stock_move_id = fields.Many2one(
        "stock.move",
        required=True,
        readonly=True,
        ondelete="restrict",
        help="The validated move from the van or site to job consumption.",
    )
    consumed_at = fields.Datetime(
        required=True,
        readonly=True,
        help="When the field used it (the event time); its date is the "
        "accounting date.",
    )
    date = fields.Date(
        required=True, readonly=True, help="Accounting date of the job cost."
    )
    value = fields.Monetary(
        readonly=True,
        help="What the material was worth in stock: the stock move's valuation at "
        "the product's cost.",
    )
    charged_by_bill_qty = fields.Float(
        string="Charged by Bill",
        readonly=True,
        digits="Product Unit of Measure",
        help="Quantity (product unit) that a posted bill of the job's own purchase "
        "orders put on job cost already: it posts no second cost.",
    )
    amount = fields.Monetary(
        string="Job Cost",
        readonly=True,
        help="Posted to job cost as material (the value, less what a bill charged "
        "the job already).",
    )
    analytic_line_id = fields.Many2one(
        "account.analytic.line",
        string="Job Cost Line",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    note = fields.Text(readonly=True)
    returned_consumption_id = fields.Many2one(
        "construction.material.consumption",
        string="Return Of",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="On a return: the consumption whose material came back.",
    )
    return_ids = fields.One2many(
        "construction.material.consumption",
        "returned_consumption_id",
        string="Returns",
        readonly=True,
    )

    _sql_constraints = [
        (
            "external_id_uniq",
            "unique(system_id, external_id)",
            "A field system reports each consumption once.",
        ),
    ]

    @api.depends("product_id", "job_id", "quantity", "uom_id")
    def _compute_display_name(self):
        for line in self:
            line.display_name = _(
                "%(qty)s %(uom)s %(product)s on %(job)s",
                qty=f"{line.quantity:g}",
                uom=line.uom_id.name or "",
                product=line.product_id.display_name or "",
                job=line.job_id.display_name or "",
            )

    def write(self, vals):
        # what was consumed is what the stock move did; a correction is a return
        if not self.env.su:
            raise UserError(
                _(
                    "Material consumption is what the field reported and stock did: "
                    "it is not edited. Return the material in Inventory and have "
                    "the field report again."
                )
            )
        return super().write(vals)

    def unlink(self):
        if self:
            raise UserError(
                _("Material consumption moved stock and posted job cost: it stays.")
            )
        return super().unlink()

    @api.model
    def _billed_to_job_qty(self, job, product):
        """Quantity (product unit) of ``product`` that posted bills put on job cost
        of ``job``, net of refunds, less what consumption counted as charged by
        them already."""
        self.env.cr.execute(
            SQL(
                """
                SELECT coalesce(sum(
                         CASE WHEN bill.move_type = 'in_refund' THEN -1 ELSE 1 END
                         * aml.quantity / line_uom.factor * product_uom.factor
                         * (dist.value::numeric / 100)), 0)
                  FROM account_move_line aml
                  JOIN account_move bill
                    ON bill.id = aml.move_id AND bill.state = 'posted'
                   AND bill.move_type IN ('in_invoice', 'in_refund')
                  JOIN account_account account
                    ON account.id = aml.account_id
                   AND account.account_type IN %(expense_types)s
                  JOIN product_product product ON product.id = aml.product_id
                  JOIN product_template template
                    ON template.id = product.product_tmpl_id
                  JOIN uom_uom product_uom ON product_uom.id = template.uom_id
                  JOIN uom_uom line_uom
                    ON line_uom.id = coalesce(aml.product_uom_id, template.uom_id)
                 CROSS JOIN LATERAL jsonb_each_text(aml.analytic_distribution) dist
                 WHERE aml.product_id = %(product)s
                   AND %(account)s = ANY(string_to_array(dist.key, ',')::integer[])
                """,
                expense_types=EXPENSE_ACCOUNT_TYPES,
                product=product.id,
                account=job.account_id.id,
            )
        )
        billed = self.env.cr.fetchone()[0] or 0.0
        # sudo: the charge is the job's, whoever may read which consumption
        counted = sum(
            self.sudo()
            .search([("job_id", "=", job.id), ("product_id", "=", product.id)])
            .mapped("charged_by_bill_qty")
        )
        return max(float(billed) - counted, 0.0)

    @api.model
    def _job_cost_vals(self, job, cost_code, product, qty, amount, date, name):
        column = self.env.ref(
            "construction_project_sync.analytic_plan_cost_codes"
        )._column_name()
        vals = {
            "name": name,
            "account_id": job.account_id.id,
            "company_id": job.company_id.id,
            "date": date,
            "amount": -amount,
            "unit_amount": qty,
            "product_id": product.id,
            "product_uom_id": product.uom_id.id,
            "construction_cost_type": "material",
            # no one's time: without it, Odoo would default the poster's employee
            "employee_id": False,
        }
        if cost_code:
            vals[column] = cost_code.analytic_account_id.id
        return vals

    @api.model
    def _validated_move(self, vals, reference, locations, done_at, refused):
        """A stock move of ``vals``' product, quantity and unit between
        ``locations`` (with the company and, for a return, the returned move),
        validated with its valuation dated ``vals["date"]`` and the move itself
        ``done_at``; returns the move and its valuation's value. ``refused``
        says why, should stock not move."""
        move = self.env["stock.move"].create(
            {
                "name": reference,
                "reference": reference,
                "origin": vals["external_id"],
                "product_id": vals["product"].id,
                "product_uom": vals["uom"].id,
                "product_uom_qty": vals["quantity"],
                **locations,
            }
        )
        move._action_confirm()
        move._action_assign()
        move.quantity = vals["quantity"]
        move.picked = True
        # the valuation entry is dated when the field used (or returned) it
        move.with_context(force_period_date=vals["date"])._action_done()
        if move.state != "done":
            raise UserError(refused)
        move.date = done_at
        # sudo: the field's service user moves stock; its valuation is
        # accounting's, and this reads exactly the layer of the move just made
        return move, sum(move.sudo().stock_valuation_layer_ids.mapped("value"))

    @api.model
    def _post_job_cost(self, job, cost_code, product, qty, amount, date, name):
        """The job cost line of ``amount`` (none for zero)."""
        analytic = self.env["account.analytic.line"]
        if float_is_zero(
            amount, precision_rounding=job.company_id.currency_id.rounding
        ):
            return analytic
        # sudo: the field's service user is no accountant; the line is exactly the
        # value its caller worked out from the stock move, and creating it passes
        # the posting check (lock dates and the hub's freezes) as every analytic
        # line does
        return analytic.sudo().create(
            self._job_cost_vals(job, cost_code, product, qty, amount, date, name)
        )

    @api.model
    def _consume(self, vals):
        """Move the material, value it, post its job cost, keep the record; ``vals``
        are the processor's resolved values (job, task, cost code, product, quantity,
        unit, location, consumed_at, date, external_id, system, message, note).
        Callers have checked the stock on hand."""
        job, product = vals["job"], vals["product"]
        company = job.company_id
        destination = self.env["stock.location"]._job_consumption_location(company)
        product_qty = vals["uom"]._compute_quantity(vals["quantity"], product.uom_id)
        move, valued = self._validated_move(
            vals,
            _("Consumed on %s", job.display_name),
            {
                "location_id": vals["location"].id,
                "location_dest_id": destination.id,
                "company_id": company.id,
            },
            vals["consumed_at"],
            _("Stock could not move %s out of the van.", product.display_name),
        )
        value = -valued
        if float_is_zero(value, precision_rounding=company.currency_id.rounding):
            value = product.with_company(company).standard_price * product_qty
        charged = min(self._billed_to_job_qty(job, product), product_qty)
        amount = company.currency_id.round(
            value * (product_qty - charged) / product_qty if product_qty else 0.0
        )
        analytic = self._post_job_cost(
            job,
            vals["cost_code"],
            product,
            product_qty,
            amount,
            vals["date"],
            _(
                "Material: %(product)s (%(ref)s)",
                product=product.display_name,
                ref=vals["external_id"],
            ),
        )
        # sudo: nobody creates consumption but this method (see the class); the
        # values are the move just validated and its posting
        return (
            self.sudo()
            .create(
                {
                    "external_id": vals["external_id"],
                    "system_id": vals["system"].id,
                    "integration_message_id": vals["message"].id,
                    "company_id": company.id,
                    "job_id": job.id,
                    "task_id": vals["task"].id,
                    "cost_code_id": vals["cost_code"].id,
                    "product_id": product.id,
                    "quantity": vals["quantity"],
                    "uom_id": vals["uom"].id,
                    "product_qty": product_qty,
                    "location_id": vals["location"].id,
                    "stock_move_id": move.id,
                    "consumed_at": vals["consumed_at"],
                    "date": vals["date"],
                    "value": value,
                    "charged_by_bill_qty": charged,
                    "amount": amount,
                    "analytic_line_id": analytic.id,
                    "note": vals.get("note"),
                }
            )
            .sudo(False)
        )

    def _returnable_qty(self):
        """What is left of a consumption to return (product unit)."""
        self.ensure_one()
        # searched, not read from return_ids: a return made earlier in the same
        # transaction (a batch) counts too
        returns = self.search([("returned_consumption_id", "=", self.id)])
        return self.product_qty + sum(returns.mapped("product_qty"))

    def _return(self, vals):
        """Bring part of this consumption back to a van or site and give back its
        share of job cost; ``vals``: quantity, uom, location, returned_at, date,
        external_id, system, message, note. Callers have checked the quantity
        (``_returnable_qty``)."""
        self.ensure_one()
        product, company = self.product_id, self.company_id
        product_qty = vals["uom"]._compute_quantity(vals["quantity"], product.uom_id)
        consumed = self.stock_move_id
        move, value = self._validated_move(
            dict(vals, product=product),
            _("Returned from %s", self.job_id.display_name),
            {
                "location_id": consumed.location_dest_id.id,
                "location_dest_id": vals["location"].id,
                "company_id": company.id,
                # a return of the consumption: valued at what it took out
                "origin_returned_move_id": consumed.id,
            },
            vals["returned_at"],
            _("Stock could not move %s back to the van.", product.display_name),
        )
        share = product_qty / self.product_qty if self.product_qty else 0.0
        currency = company.currency_id
        if float_is_zero(value, precision_rounding=currency.rounding):
            value = currency.round(self.value * share)
        amount = currency.round(self.amount * share)
        # the returned share of the consumption's own job cost, given back
        analytic = self._post_job_cost(
            self.job_id,
            self.cost_code_id,
            product,
            -product_qty,
            -amount,
            vals["date"],
            _(
                "Material returned: %(product)s (%(ref)s)",
                product=product.display_name,
                ref=vals["external_id"],
            ),
        )
        # sudo: nobody creates consumption but _consume and this method (see the
        # class); the values are the move just validated and its posting
        return (
            self.sudo()
            .create(
                {
                    "external_id": vals["external_id"],
                    "system_id": vals["system"].id,
                    "integration_message_id": vals["message"].id,
                    "company_id": company.id,
                    "job_id": self.job_id.id,
                    "task_id": self.task_id.id,
                    "cost_code_id": self.cost_code_id.id,
                    "product_id": product.id,
                    "quantity": -vals["quantity"],
                    "uom_id": vals["uom"].id,
                    "product_qty": -product_qty,
                    "location_id": vals["location"].id,
                    "stock_move_id": move.id,
                    "consumed_at": vals["returned_at"],
                    "date": vals["date"],
                    "value": -value,
                    "charged_by_bill_qty": -self.charged_by_bill_qty * share,
                    "amount": -amount,
                    "analytic_line_id": analytic.id,
                    "returned_consumption_id": self.id,
                    "note": vals.get("note"),
                }
            )
            .sudo(False)
        )
