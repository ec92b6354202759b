# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Flows made before contracts were versioned get their v1 (their schema, current,
the default), and their messages are marked as sent in it."""

from odoo import SUPERUSER_ID, api, fields


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    flows = (
        env["integration.flow"]
        .with_context(active_test=False)
        .search([("version_ids", "=", False)])
    )
    for flow in flows:
        flow.default_version_id = env["integration.flow.version"].create(
            {
                "flow_id": flow.id,
                "number": 1,
                "state": "current",
                "json_schema": flow.json_schema or '{"type": "object"}',
                "activated_by_id": SUPERUSER_ID,
                "activated_at": fields.Datetime.now(),
                "change_note": "The flow's contract before versions existed.",
            }
        )
    cr.execute(
        """
        UPDATE integration_message m
           SET flow_version_id = v.id
          FROM integration_flow_version v
         WHERE v.flow_id = m.flow_id AND v.number = 1 AND m.flow_version_id IS NULL
        """
    )
