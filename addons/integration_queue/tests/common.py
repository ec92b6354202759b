"""Helpers other addons' tests reuse: a system with its service user and API key, and
running the queue_job jobs the inbox enqueued, as the job runner would."""

import json

from odoo import fields

from odoo.addons.queue_job.job import Job


def make_system(env, code, flows, company=None, groups=(), rate_limit=6000):
    """A system set up as a manager does it (Set Up a System: its service user and a
    hub API key); returns (system, api_key)."""
    wizard = env["integration.system.setup"].create(
        {
            "name": code.upper(),
            "code": code,
            "company_id": (company or env.company).id,
            "flow_ids": [(6, 0, flows.ids)],
            "group_ids": [(6, 0, [env.ref(xmlid).id for xmlid in groups])],
            "rate_limit": rate_limit,
            "business_owner_id": env.ref("base.user_admin").id,
        }
    )
    action = wizard.action_create()
    system = env["integration.system"].search([("code", "=", code)])
    return system, action["context"]["default_key"]


def ingest(env, system, flow, payloads, prefix="k"):
    """Post payloads as the system's service user would, through the model."""
    items = [
        {
            "idempotency_key": f"{prefix}-{index}",
            "payload": payload,
            "raw": json.dumps(payload),
            "event_time": None,
        }
        for index, payload in enumerate(payloads)
    ]
    messages = env["integration.message"].with_user(system.user_id)
    return messages._ingest(system, flow, items)


def perform_jobs(env, include_future=False, model=None):
    """Run the pending queue_job jobs in this transaction, oldest first; jobs whose
    eta is still to come run only with include_future (time passing)."""
    domain = [("state", "in", ("pending", "enqueued"))]
    if model:
        domain.append(("model_name", "=", model))
    if not include_future:
        domain += ["|", ("eta", "=", False), ("eta", "<=", fields.Datetime.now())]
    records = env["queue.job"].search(domain, order="id")
    for record in records:
        job = Job.load(env, record.uuid)
        job.set_started()
        job.store()
        result = job.perform()
        job.set_done(result=result)
        job.store()
    return len(records)


class FlowHttpMixin:
    """For HttpCase tests of flows: post payloads as a system (``self.key``, its API
    key) and run the jobs they queue, as the job runner would."""

    def post_flow(self, flow, payload, idempotency_key=None):
        headers = {
            "Authorization": f"Bearer {self.key}",
            "Content-Type": "application/json",
        }
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return self.url_open(
            f"/api/construction/v1/flows/{flow}",
            data=json.dumps(payload).encode(),
            headers=headers,
        )

    def sync_flow(self, flow, payload, idempotency_key, expect=202):
        """Post one message, process it; returns the message."""
        response = self.post_flow(flow, payload, idempotency_key)
        self.assertEqual(response.status_code, expect, response.text)
        perform_jobs(self.env)
        message = self.env["integration.message"].browse(response.json()["message_id"])
        message.invalidate_recordset()
        return message
