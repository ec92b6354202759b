# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models

from odoo.addons.base.models.res_users import INDEX_SIZE, KEY_CRYPT_CONTEXT

_logger = logging.getLogger(__name__)

# The scope of the hub's keys in res.users.apikeys. Odoo's RPC checks scope 'rpc',
# which matches only keys without a scope, so it never accepts a hub key.
HUB_SCOPE = "construction_hub"
# A key's last use is written at most this often, so a busy key costs no write per
# request.
LAST_USED_EVERY = timedelta(minutes=1)


class IntegrationSystemKey(models.Model):
    """The register of a system's API keys. The secret itself lives hashed in Odoo's
    res.users.apikeys (scope HUB_SCOPE); this row says what the manager needs to
    know about it and lets them revoke it."""

    _name = "integration.system.key"
    _description = "Integration System API Key"
    _order = "create_date desc, id desc"

    name = fields.Char(required=True, readonly=True)
    system_id = fields.Many2one(
        "integration.system",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="system_id.company_id", store=True, index=True)
    # An id of res.users.apikeys, not a Many2one: that table is Odoo's (no foreign
    # key can point at it) and its rows disappear when a key is revoked or expires.
    apikey_id = fields.Integer(readonly=True, index=True, copy=False)
    expiration_date = fields.Datetime(
        string="Expires",
        required=True,
        readonly=True,
        help="After this moment the key is refused.",
    )
    last_used = fields.Datetime(
        readonly=True, help="Last authenticated request, to the minute."
    )
    replaced_date = fields.Datetime(
        string="Replaced",
        readonly=True,
        help="When a newer key replaced this one: it keeps working until it expires "
        "(the grace period), then stops.",
    )
    revoked_date = fields.Datetime(string="Revoked", readonly=True)
    revoked_uid = fields.Many2one("res.users", string="Revoked By", readonly=True)
    state = fields.Selection(
        [
            ("active", "Active"),
            ("rotating", "Rotating"),
            ("expired", "Expired"),
            ("revoked", "Revoked"),
            ("deleted", "Deleted in Odoo"),
        ],
        compute="_compute_state",
        help="Rotating: a newer key replaced it; it works until it expires. Deleted "
        "in Odoo: someone removed the key from the service user's own API keys in "
        "Odoo's user settings; it no longer works.",
    )

    @api.depends("expiration_date", "replaced_date", "revoked_date", "apikey_id")
    def _compute_state(self):
        now = fields.Datetime.now()
        # Odoo's own key table: a key removed there no longer opens anything
        self.env.cr.execute(
            "SELECT id FROM res_users_apikeys WHERE id = ANY(%s)",
            [[key.apikey_id for key in self if key.apikey_id]],
        )
        present = {row[0] for row in self.env.cr.fetchall()}
        for key in self:
            if key.revoked_date:
                key.state = "revoked"
            elif key.apikey_id not in present:
                key.state = "deleted"
            elif key.expiration_date <= now:
                key.state = "expired"
            elif key.replaced_date:
                key.state = "rotating"
            else:
                key.state = "active"

    # ------------------------------------------------------------ issue, revoke
    @api.model
    def _issue(self, system, validity_days, grace_days):
        """A new key for ``system``'s service user; its keys still valid keep
        working ``grace_days`` more at most. Returns the key in clear, to be shown
        once. The caller checks that the user may manage the system."""
        now = fields.Datetime.now()
        user = system.user_id
        # sudo with the service user as env user: the key must belong to that user,
        # and a key longer than the user's own API key duration needs sudo (see
        # res.users.apikeys._generate); only managers reach here.
        secret = (
            self.env["res.users.apikeys"]
            .with_user(user)
            .sudo()
            ._generate(
                HUB_SCOPE,
                _("%s API", system.code),
                now + timedelta(days=validity_days),
            )
        )
        self.env.cr.execute(
            "SELECT id FROM res_users_apikeys WHERE user_id = %s AND index = %s "
            "ORDER BY id DESC LIMIT 1",
            [user.id, secret[:INDEX_SIZE]],
        )
        apikey_id = self.env.cr.fetchone()[0]
        # sudo: the register is written by the hub only (nobody has write access, so
        # no RPC call can forge a date on it).
        keys = self.sudo()
        previous = keys.search(
            [
                ("system_id", "=", system.id),
                ("revoked_date", "=", False),
                ("expiration_date", ">", now),
            ]
        )
        grace_end = now + timedelta(days=grace_days)
        for key in previous:
            key.write(
                {
                    "replaced_date": key.replaced_date or now,
                    "expiration_date": min(key.expiration_date, grace_end),
                }
            )
        if previous:
            self.env.cr.execute(
                "UPDATE res_users_apikeys SET expiration_date = LEAST("
                "COALESCE(expiration_date, %s), %s) WHERE id = ANY(%s)",
                [grace_end, grace_end, previous.mapped("apikey_id")],
            )
        keys.create(
            {
                "name": _("%(code)s key of %(date)s", code=system.code, date=now),
                "system_id": system.id,
                "apikey_id": apikey_id,
                "expiration_date": now + timedelta(days=validity_days),
            }
        )
        return secret

    def action_revoke(self):
        """Revoke at once: the key's hash is deleted from Odoo's key store."""
        self.system_id.check_access("write")
        live = self.filtered(lambda key: not key.revoked_date)
        # sudo: deleting another user's key needs it (res.users.apikeys._remove);
        # the manager's right on the system was checked above.
        self.env["res.users.apikeys"].sudo().browse(
            live.mapped("apikey_id")
        ).exists()._remove()
        live.sudo().write(
            {"revoked_date": fields.Datetime.now(), "revoked_uid": self.env.uid}
        )
        for key in live:
            key.system_id.message_post(body=_("API key revoked: %s", key.name))
        return True

    # ------------------------------------------------------------ authentication
    @api.model
    def _authenticate(self, token):
        """The user id a bearer token authenticates on the hub's routes, or None.

        Accepted: a hub key (scope HUB_SCOPE) in the register, not revoked nor
        expired, of an active system's active service user holding no forbidden
        group; or a global key (scope NULL) of a user who is no service user (a
        person: integration users reading messages or metrics). Runs before any
        user is known, hence plain SQL."""
        if not token or len(token) < INDEX_SIZE:
            return None
        xmlid = self.env["ir.model.data"]._xmlid_to_res_id
        service_gid = xmlid("integration_queue.group_integration_service")
        forbidden = self.env["res.groups"]._integration_forbidden_groups().ids
        self.env.cr.execute(
            """
            SELECT k.user_id, k.key, sk.id, sk.last_used
              FROM res_users_apikeys k
              JOIN res_users u ON u.id = k.user_id AND u.active
              LEFT JOIN integration_system_key sk
                     ON sk.apikey_id = k.id AND sk.revoked_date IS NULL
              LEFT JOIN integration_system s
                     ON s.id = sk.system_id AND s.user_id = k.user_id AND s.active
             WHERE k.index = %(index)s
               AND (k.expiration_date IS NULL OR k.expiration_date > %(now)s)
               AND CASE
                   WHEN k.scope = %(scope)s THEN
                        s.id IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM res_groups_users_rel r
                                         WHERE r.uid = k.user_id
                                           AND r.gid = ANY(%(forbidden)s))
                   WHEN k.scope IS NULL THEN
                        NOT EXISTS (SELECT 1 FROM res_groups_users_rel r
                                     WHERE r.uid = k.user_id
                                       AND r.gid = %(service)s)
                        AND NOT EXISTS (SELECT 1 FROM integration_system s2
                                         WHERE s2.user_id = k.user_id)
                   ELSE FALSE
                   END
            """,
            {
                # the clock of the register's dates (Python's), not the
                # transaction's start: a key revoked by a 0-day grace stops at once
                "now": fields.Datetime.now(),
                "index": token[:INDEX_SIZE],
                "scope": HUB_SCOPE,
                "forbidden": forbidden,
                "service": service_gid,
            },
        )
        for user_id, hashed, key_id, last_used in self.env.cr.fetchall():
            if KEY_CRYPT_CONTEXT.verify(token, hashed):
                if key_id:
                    self._touch(key_id, last_used)
                return user_id
        return None

    @api.model
    def _touch(self, key_id, last_used):
        """Record a key's use, at most once a minute: one UPDATE, skipped when
        another request holds the row (it records the same minute)."""
        if last_used and fields.Datetime.now() - last_used < LAST_USED_EVERY:
            return
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    """
                    UPDATE integration_system_key
                       SET last_used = %s
                     WHERE id IN (SELECT id FROM integration_system_key
                                   WHERE id = %s FOR UPDATE SKIP LOCKED)
                    """,
                    [fields.Datetime.now(), key_id],
                )
        except psycopg2.errors.SerializationFailure:
            # a concurrent request recorded it after this transaction began
            _logger.debug("Last use of key %s recorded by another request", key_id)
