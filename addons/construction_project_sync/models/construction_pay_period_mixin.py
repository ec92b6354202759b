# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, fields, models
from odoo.exceptions import ValidationError


class ConstructionPayPeriodMixin(models.AbstractModel):
    """The period a pay application claims (the owner's on a job, a
    subcontractor's on a subcontract): the periods of one contract's applications
    follow each other without overlapping. Each model names its contract field and
    calls _check_pay_period from its own constraint."""

    _name = "construction.pay.period.mixin"
    _description = "Pay Application Period"

    # the many2one to the contract whose applications' periods follow each other
    _pay_period_contract_field = None

    period_start = fields.Date(
        string="Period From", help="Defaults to the day after the previous period."
    )
    period_end = fields.Date(string="Period To", required=True, tracking=True)

    def _check_pay_period(self):
        contract_field = self._pay_period_contract_field
        for app in self.filtered(lambda a: a.state != "cancel"):
            if app.period_start and app.period_start > app.period_end:
                raise ValidationError(
                    _("%s: the period cannot end before it starts.", app.name)
                )
            overlap = self.search(
                [
                    (contract_field, "=", app[contract_field].id),
                    ("id", "!=", app.id),
                    ("state", "!=", "cancel"),
                    ("period_end", ">=", app.period_start or app.period_end),
                    "|",
                    ("period_start", "=", False),
                    ("period_start", "<=", app.period_end),
                ],
                limit=1,
            )
            if overlap:
                raise ValidationError(
                    _(
                        "%(app)s covers days %(other)s claimed already: the periods of "
                        "the pay applications of %(contract)s follow each other.",
                        app=app.name,
                        other=overlap.name,
                        contract=app[contract_field].display_name,
                    )
                )
