# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Keys given to service users before the hub scoped its keys were global (scope
NULL: all of Odoo's RPC). They become hub keys with an expiry and enter the register,
so integrations keep working on the hub's API while RPC refuses them."""

import logging
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields

from odoo.addons.integration_queue.models.integration_system_key import HUB_SCOPE

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    now = fields.Datetime.now()
    systems = (
        env["integration.system"]
        .with_context(active_test=False)
        .search([("user_id", "!=", False)])
    )
    service_ids = env["res.users"]._integration_service_user_ids(systems.user_id.ids)
    for system in systems:
        if system.user_id.id not in service_ids:
            # a person set as service user: their own keys stay theirs; the system
            # authenticates no more until it is set up again
            _logger.warning(
                "System %s acts as %s, who is no service user: set it up again.",
                system.code,
                system.user_id.login,
            )
            continue
        limit = now + timedelta(days=system.key_validity_days)
        cr.execute(
            """
            UPDATE res_users_apikeys
               SET scope = %s,
                   expiration_date = LEAST(COALESCE(expiration_date, %s), %s)
             WHERE user_id = %s AND scope IS NULL
         RETURNING id, name, expiration_date
            """,
            [HUB_SCOPE, limit, limit, system.user_id.id],
        )
        rows = cr.fetchall()
        env["integration.system.key"].create(
            [
                {
                    "name": name,
                    "system_id": system.id,
                    "apikey_id": apikey_id,
                    "expiration_date": expiration,
                }
                for apikey_id, name, expiration in rows
            ]
        )
        _logger.info("System %s: %d key(s) scoped to the hub", system.code, len(rows))
