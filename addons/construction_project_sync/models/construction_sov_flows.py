# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor


class ConstructionSovFlows(models.AbstractModel):
    """Processor of the field's progress reports. Completion reported by the field
    lands on the schedule of values as a suggestion; it never creates, approves or
    invoices a pay application: a person does."""

    _name = "construction.sov.flows"
    _description = "Schedule of Values Flows"

    @api.model
    def _job(self, message, payload):
        if payload.get("job_external_id"):
            return message.resolve("project.project", payload["job_external_id"])
        job = self.env["project.project"].search(
            [
                ("is_job", "=", True),
                ("job_number", "=", payload["job_number"]),
                ("company_id", "=", self.env.company.id),
            ],
            limit=1,
        )
        if not job:
            raise IntegrationError(
                f"Job {payload['job_number']!r} is not known in Odoo yet.",
                code="unknown_reference",
            )
        return job

    @api.model
    def _sov_lines(self, job, entry):
        """The schedule of values line an entry reports on: by item number, else by
        cost code (which must then name one item of the job)."""
        sov_lines = self.env["construction.sov.line"]
        if entry.get("item"):
            line = sov_lines.search(
                [("job_id", "=", job.id), ("item", "=", entry["item"])], limit=1
            )
            if not line:
                raise IntegrationError(
                    f"Job {job.job_number} has no schedule of values item "
                    f"{entry['item']!r} (yet).",
                    code="unknown_sov_item",
                )
            return line
        lines = sov_lines.search(
            [("job_id", "=", job.id), ("cost_code_id.code", "=", entry["cost_code"])]
        )
        if not lines:
            raise IntegrationError(
                f"Job {job.job_number} has no schedule of values item for cost code "
                f"{entry['cost_code']!r} (yet).",
                code="unknown_sov_item",
            )
        if len(lines) > 1:
            raise IntegrationError(
                f"Cost code {entry['cost_code']!r} names {len(lines)} items of job "
                f"{job.job_number} ({', '.join(lines.mapped('item'))}): report by "
                "item number.",
                code="ambiguous_sov_item",
                retryable=False,
            )
        return lines

    @api.model
    @integration_processor("progress.update")
    def _process_progress_update(self, message, payload):
        """Percent complete is to date (not an increment), so a resent or replayed
        report writes the same figures again; a report for an earlier period than
        the one a line already has is ignored, with a note."""
        job = self._job(message, payload)
        period_end = (
            fields.Date.to_date(payload["period_end"])
            if payload.get("period_end")
            else None
        )
        reported_at = message.event_time or fields.Datetime.now()
        touched = self.env["construction.sov.line"]
        for entry in payload["lines"]:
            for line in self._sov_lines(job, entry):
                if (
                    period_end
                    and line.reported_period_end
                    and line.reported_period_end > period_end
                ):
                    message.notes.append(
                        f"Item {line.item}: progress to {line.reported_period_end} is "
                        f"newer than this report (to {period_end}); kept."
                    )
                    continue
                vals = {
                    "reported_percent": entry["percent_complete"],
                    "reported_period_end": period_end or line.reported_period_end,
                    "reported_at": reported_at,
                    "reported_system_id": message.system.id,
                }
                if "materials_stored" in entry:
                    vals["reported_stored"] = entry["materials_stored"]
                line.write(vals)
                touched |= line
        return touched
