# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools

from .integration_flow_version import VERSION_STATES


class IntegrationSystemInterface(models.Model):
    """The interface inventory: per system, each flow and contract version it uses
    (or is enabled for and never used), its volume and error rate over 30 days, its
    last contact, its criticality and owners. What a governance board reviews, and
    where a flow's owner sees who still calls a deprecated version. An SQL view."""

    _name = "integration.system.interface"
    _description = "Integration Interface"
    _auto = False
    _order = "system_id, flow_id, version_number desc"

    system_id = fields.Many2one("integration.system", readonly=True)
    flow_id = fields.Many2one("integration.flow", readonly=True)
    flow_version_id = fields.Many2one(
        "integration.flow.version", string="Version", readonly=True
    )
    version_number = fields.Integer(string="Version No.", readonly=True)
    version_state = fields.Selection(
        VERSION_STATES, string="Version Status", readonly=True
    )
    sunset_at = fields.Datetime(string="Sunset", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    enabled = fields.Boolean(
        readonly=True, help="The flow is enabled for the system today."
    )
    messages_30d = fields.Integer(string="Messages (30 days)", readonly=True)
    errors_30d = fields.Integer(
        string="Errors (30 days)",
        readonly=True,
        help="Messages rejected, failed or dead-lettered.",
    )
    error_rate = fields.Float(
        string="Error rate (%)", readonly=True, aggregator="avg", digits=(5, 1)
    )
    last_contact_at = fields.Datetime(string="Last Contact", readonly=True)
    criticality = fields.Selection(
        [
            ("low", "Low"),
            ("normal", "Normal"),
            ("high", "High"),
            ("critical", "Critical"),
        ],
        string="Business Criticality",
        readonly=True,
    )
    business_owner_id = fields.Many2one(
        "res.users", string="System Owner", readonly=True
    )
    technical_owner_id = fields.Many2one("res.users", readonly=True)
    data_owner_id = fields.Many2one(
        "res.users",
        readonly=True,
        help="Who handles the flow's exceptions: its owner on the flow.",
    )
    system_of_record = fields.Char(
        related="flow_id.system_of_record",
        help="Per model the flow wrote: which system is its record of truth, by the "
        "ownership rules.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE VIEW {self._table} AS (
                WITH usage AS (
                    SELECT m.system_id, m.flow_id, m.flow_version_id,
                           count(*) FILTER (WHERE m.received_at >
                               now() AT TIME ZONE 'UTC' - interval '30 days')
                               AS messages_30d,
                           count(*) FILTER (WHERE m.state IN
                               ('rejected', 'failed', 'dead') AND m.received_at >
                               now() AT TIME ZONE 'UTC' - interval '30 days')
                               AS errors_30d,
                           max(m.received_at) AS last_contact_at
                      FROM integration_message m
                     GROUP BY m.system_id, m.flow_id, m.flow_version_id
                ), pairs AS (
                    SELECT * FROM usage
                     UNION ALL
                    SELECT r.integration_system_id, r.integration_flow_id,
                           f.default_version_id, 0, 0, NULL
                      FROM integration_flow_integration_system_rel r
                      JOIN integration_flow f ON f.id = r.integration_flow_id
                     WHERE NOT EXISTS (
                           SELECT 1 FROM usage u
                            WHERE u.system_id = r.integration_system_id
                              AND u.flow_id = r.integration_flow_id)
                )
                SELECT row_number() OVER (ORDER BY p.system_id, p.flow_id,
                                          p.flow_version_id) AS id,
                       p.system_id, p.flow_id, p.flow_version_id,
                       v.number AS version_number, v.state AS version_state,
                       v.sunset_at, s.company_id,
                       EXISTS (SELECT 1 FROM integration_flow_integration_system_rel r
                                WHERE r.integration_system_id = p.system_id
                                  AND r.integration_flow_id = p.flow_id) AS enabled,
                       p.messages_30d, p.errors_30d,
                       coalesce(100.0 * p.errors_30d / nullif(p.messages_30d, 0), 0)
                           AS error_rate,
                       p.last_contact_at, f.criticality,
                       s.business_owner_id, s.technical_owner_id,
                       f.owner_user_id AS data_owner_id
                  FROM pairs p
                  JOIN integration_system s ON s.id = p.system_id
                  JOIN integration_flow f ON f.id = p.flow_id
                  LEFT JOIN integration_flow_version v ON v.id = p.flow_version_id
            )
            """
        )
