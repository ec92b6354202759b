# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Compliance documents recorded before verification existed were relied on as they
were: they stay counted (verified), so an upgrade blocks no certification or
payment. Documents recorded from now on wait for an AP manager's verification."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE ap_subcontract_compliance
           SET state = 'approved', approved_at = coalesce(write_date, create_date)
         WHERE state = 'draft'
        """
    )
