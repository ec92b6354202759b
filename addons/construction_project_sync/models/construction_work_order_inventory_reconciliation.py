# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models


class ConstructionWorkOrderInventoryReconciliation(models.AbstractModel):
    """The newest work order inventory of each field platform against Odoo:

    - an open work order of the platform that Odoo has no task for (its
      work_order.upsert failed, died, was never sent, or its task was deleted);
      fixable when an upsert message exists: the fix replays the newest one;
    - a work order of that platform Odoo holds open (neither completed nor
      cancelled) that the platform no longer lists as open and that existed before
      the inventory was taken: its closing status never arrived."""

    _name = "construction.work.order.inventory.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Field Work Orders Missing in Odoo"

    @api.model
    def _reconcile(self, check, company):
        cr = self.env.cr
        cr.execute(
            """
            WITH latest AS (
                SELECT DISTINCT ON (m.system_id)
                       m.id, m.system_id, m.payload::jsonb AS payload,
                       (m.payload::jsonb ->> 'as_of')::timestamptz
                           AT TIME ZONE 'UTC' AS as_of
                  FROM integration_message m
                  JOIN integration_flow f
                    ON f.id = m.flow_id AND f.code = 'work_order.inventory'
                 WHERE m.company_id = %(company)s AND m.state = 'done'
                 ORDER BY m.system_id, m.payload::jsonb ->> 'as_of' DESC, m.id DESC
            ), listed AS (
                SELECT l.id AS inventory_id, l.system_id, l.as_of,
                       wo ->> 'external_id' AS ref, wo ->> 'title' AS title
                  FROM latest l
                 CROSS JOIN LATERAL jsonb_array_elements(l.payload -> 'work_orders') wo
            )
            SELECT 'missing', listed.inventory_id, s.name, listed.ref, listed.title,
                   upsert.id, upsert.state
              FROM listed
              JOIN integration_system s ON s.id = listed.system_id
              LEFT JOIN integration_mapping map
                ON map.system_id = listed.system_id
               AND map.res_model = 'project.task' AND map.external_id = listed.ref
              LEFT JOIN project_task task ON task.id = map.res_id
              LEFT JOIN LATERAL (
                    SELECT m.id, m.state
                      FROM integration_message m
                      JOIN integration_flow f
                        ON f.id = m.flow_id AND f.code = 'work_order.upsert'
                     WHERE m.system_id = listed.system_id
                       AND m.payload::jsonb ->> 'external_id' = listed.ref
                     ORDER BY m.id DESC LIMIT 1
              ) upsert ON true
             WHERE task.id IS NULL
            UNION ALL
            SELECT 'stale', task.id, s.name, map.external_id,
                   task.name, NULL, task.work_order_status
              FROM latest l
              JOIN integration_system s ON s.id = l.system_id
              JOIN integration_mapping map
                ON map.system_id = l.system_id AND map.res_model = 'project.task'
              JOIN project_task task
                ON task.id = map.res_id AND task.is_work_order AND task.active
               AND task.company_id = %(company)s
               AND coalesce(task.work_order_status, 'dispatched')
                   NOT IN ('completed', 'cancelled')
               AND task.create_date < l.as_of
             WHERE NOT EXISTS (
                    SELECT 1
                      FROM jsonb_array_elements(l.payload -> 'work_orders') wo
                     WHERE wo ->> 'external_id' = map.external_id)
            """,
            {"company": company.id},
        )
        drift = []
        for kind, res_id, system, ref, title, upsert_id, state in cr.fetchall():
            if kind == "missing":
                drift.append(
                    {
                        "reference": f"{system} {ref}",
                        "message": _(
                            "%(system)s has work order %(ref)s (%(title)s) open; "
                            "Odoo has no task for it: %(why)s.",
                            system=system,
                            ref=ref,
                            title=title or "?",
                            why=_("its last work_order.upsert is %s", state)
                            if upsert_id
                            else _("no work_order.upsert ever arrived"),
                        ),
                        "res_model": "integration.message",
                        "res_id": upsert_id or res_id,
                        "expected": 1,
                        "actual": 0,
                        "fixable": bool(upsert_id)
                        and state in ("failed", "dead", "done", "rejected"),
                    }
                )
            else:
                drift.append(
                    {
                        "reference": f"{system} {ref}",
                        "message": _(
                            "%(title)s is %(state)s in Odoo but %(system)s no longer "
                            "lists work order %(ref)s as open: its closing status "
                            "did not arrive.",
                            title=title,
                            state=state or _("dispatched"),
                            system=system,
                            ref=ref,
                        ),
                        "res_model": "project.task",
                        "res_id": res_id,
                        "expected": 0,
                        "actual": 1,
                    }
                )
        return drift

    @api.model
    def _fix(self, drift_lines):
        """Replay the work order's newest upsert: it creates the task again (the
        hub's mapping gives way when its task was deleted)."""
        messages = self.env["integration.message"].browse(
            drift_lines.filtered(lambda d: d.res_model == "integration.message").mapped(
                "res_id"
            )
        )
        done = messages.filtered(lambda m: m.state == "done")
        (messages - done).action_replay()
        done.action_replay(force=True)
