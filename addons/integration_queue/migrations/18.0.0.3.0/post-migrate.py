# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Flows made before contracts were versioned get their v1 (their schema, current,
the default), and their messages are marked as sent in it."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["integration.flow"]._ensure_first_versions()
    cr.execute(
        """
        UPDATE integration_message m
           SET flow_version_id = v.id
          FROM integration_flow_version v
         WHERE v.flow_id = m.flow_id AND v.number = 1 AND m.flow_version_id IS NULL
        """
    )
