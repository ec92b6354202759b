# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tolerance maths of the three-way match: plain Python, no Odoo."""


def allowed_excess(base, percent, absolute):
    """How far above ``base`` a figure may go: ``percent`` of the base and an
    ``absolute`` figure, a zero meaning "not used". When both are set the smaller
    binds: a tolerance is a control, and the tighter of two limits is the one the
    company wrote down. Neither set: nothing above the base passes."""
    limits = []
    if percent:
        limits.append(abs(base) * percent / 100.0)
    if absolute:
        limits.append(abs(absolute))
    return min(limits) if limits else 0.0


def exceeds(value, base, percent, absolute, digits):
    """``value`` is above ``base`` by more than the tolerance lets through,
    compared at ``digits`` decimals: exactly at the tolerance passes."""
    excess = round(value - base, digits)
    return excess > round(allowed_excess(base, percent, absolute), digits)
