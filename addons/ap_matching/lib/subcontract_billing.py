# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which subcontract and pay application a bill bills, and which of its lines are
retention, are written by subcontract billing only (a certified pay application's
bill, a retention release): the retention lines escape the three-way match and
hold money on the retention payable account, so a caller flagging a line of its
own would slip it past the match. Billing runs inside ``subcontract_billing()``, a
variable of the running code, not a context key a caller could pass."""

import contextlib
import contextvars

from odoo import _
from odoo.exceptions import UserError

_BILLING = contextvars.ContextVar("ap_subcontract_billing", default=False)


@contextlib.contextmanager
def subcontract_billing():
    token = _BILLING.set(True)
    try:
        yield
    finally:
        _BILLING.reset(token)


def refuse_subcontract_fields(model, names, vals_list, creating):
    """Refuse values (and ``default_`` context keys) for ``names`` outside
    subcontract billing."""
    if _BILLING.get():
        return
    if creating:
        given = {name for vals in vals_list for name, value in vals.items() if value}
    else:
        given = {name for vals in vals_list for name in vals}
    given |= {name for name in names if model.env.context.get(f"default_{name}")}
    written = set(names) & given
    if written:
        raise UserError(
            _(
                "%s is set by subcontract billing (a certified pay application's "
                "bill or a retention release) only.",
                model._fields[sorted(written)[0]].string,
            )
        )
