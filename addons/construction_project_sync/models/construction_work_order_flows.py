# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii

from odoo import Command, _, api, models
from odoo.tools import plaintext2html

from odoo.addons.integration_queue.lib.datetimes import naive_utc
from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor


def utc(value):
    """An ISO 8601 date-time as naive UTC to the second, Odoo's storage convention
    (the JSON schema has checked the format)."""
    return naive_utc(value).replace(microsecond=0)


class ConstructionWorkOrderFlows(models.AbstractModel):
    """Processors of the field service platform's work orders. They run as the
    system's service user; ids go through the hub's mapping. Odoo owns a work order's
    billing fields (the ownership rules shipped as data); the field owns its execution
    status, which only its status events change, in event-time order."""

    _name = "construction.work.order.flows"
    _description = "Work Order Flows"

    @api.model
    def _employees(self, message, refs):
        """Employees by the system's mapping, else by badge id (as field time)."""
        return self.env["construction.field.time"]._flow_employees(
            message, [{"employee_external_id": ref} for ref in refs]
        )

    @api.model
    @integration_processor("work_order.upsert")
    def _process_work_order_upsert(self, message, payload):
        flows = self.env["construction.sync.flows"]
        job = flows._job(message, payload["job_external_id"])
        vals = {"is_work_order": True, "project_id": job.id, "name": payload["title"]}
        if "description" in payload:
            vals["description"] = plaintext2html(payload["description"] or "")
        if "site" in payload:
            vals["work_order_site"] = payload["site"]
        if "phase_code" in payload:
            vals["construction_phase_id"] = flows._phase(job, payload["phase_code"]).id
        if "cost_code" in payload:
            vals["cost_code_id"] = (
                payload["cost_code"] and flows._cost_code(message, payload).id
            )
        for key in ("scheduled_start", "scheduled_end"):
            if key in payload:
                vals[key] = payload[key] and utc(payload[key])
        if "crew_external_ids" in payload:
            refs = [str(ref) for ref in payload["crew_external_ids"]]
            employees = self._employees(message, refs) if refs else {}
            crew = self.env["hr.employee"].browse([employees[ref].id for ref in refs])
            vals["crew_ids"] = [Command.set(crew.ids)]
            vals["user_ids"] = [Command.set(crew.user_id.ids)]
        if "customer_contact_external_id" in payload:
            ref = payload["customer_contact_external_id"]
            vals["partner_id"] = ref and message.resolve("res.partner", ref).id
        if "billable" in payload:
            vals["work_order_billable"] = payload["billable"]
        task = message.resolve("project.task", payload["external_id"], required=False)
        if task:
            # the ownership rules note every Odoo-owned field an update carries:
            # only a value that would change it is worth a note
            if "partner_id" in vals and (vals["partner_id"] or False) == (
                task.partner_id.id or False
            ):
                del vals["partner_id"]
            if vals.get("work_order_billable") == task.work_order_billable:
                del vals["work_order_billable"]
        return message.upsert("project.task", payload["external_id"], vals)

    @api.model
    @integration_processor("work_order.status")
    def _process_work_order_status(self, message, payload):
        """One status event, or a device's queue of them (``events``)."""
        events = payload["events"] if "events" in payload else [payload]
        return self._record_status_events(message, events)

    @api.model
    def _record_status_events(self, message, events):
        """Store each event once and apply, per task, the newest by event time.

        A fixed number of queries whatever the number of events (tasks, employees,
        known events and stage lines are read at once, events created at once); one
        write per task whose state changes, one exception per conflict."""
        Task = self.env["project.task"]
        Event = self.env["construction.work.order.event"]
        system = message.system
        refs = {str(event["work_order_external_id"]) for event in events}
        tasks = self.env["integration.mapping"]._resolve_many(
            system, "project.task", refs, env=self.env
        )
        missing = sorted(refs - set(tasks))
        if missing:
            raise IntegrationError(
                _(
                    "Work order %(refs)s is not known in Odoo yet; send it with "
                    "work_order.upsert first (the message retries on its own).",
                    refs=", ".join(missing),
                ),
                code="unknown_work_order",
            )
        technician_refs = {
            str(event["technician_external_id"])
            for event in events
            if event.get("technician_external_id")
        }
        technicians = (
            self._employees(message, technician_refs) if technician_refs else {}
        )
        all_tasks = Task.browse({task.id for task in tasks.values()})
        incoming = [
            {
                "task": tasks[str(event["work_order_external_id"])],
                "status": event["status"],
                "time": utc(event["event_time"]),
                "device": event.get("device_id") or False,
                "ref": event.get("event_id") and str(event["event_id"]),
                "event": event,
            }
            for event in events
        ]
        known = Event.search(
            [
                "|",
                "&",
                ("system_id", "=", system.id),
                ("event_ref", "in", [e["ref"] for e in incoming if e["ref"]]),
                "&",
                ("task_id", "in", all_tasks.ids),
                ("event_time", "in", [e["time"] for e in incoming]),
            ]
        )
        seen_refs = {event.event_ref for event in known if event.system_id == system}
        seen_keys = {
            (
                event.task_id.id,
                event.device_ref or False,
                event.event_time,
                event.status,
            )
            for event in known
        }
        state = {
            task.id: (
                task.work_order_status,
                task.work_order_status_time,
                task.work_order_status_device or False,
                task.work_order_technician_id,
            )
            for task in all_tasks
        }
        applied_tasks = set()
        to_create, conflicts = [], []
        for index, item in sorted(
            enumerate(incoming), key=lambda pair: (pair[1]["time"], pair[0])
        ):
            task = item["task"]
            key = (task.id, item["device"], item["time"], item["status"])
            if item["ref"] in seen_refs or (not item["ref"] and key in seen_keys):
                message.notes.append(
                    _(
                        "Event %(ref)s of %(task)s was received before; kept once.",
                        ref=item["ref"] or f"#{index + 1}",
                        task=task.display_name,
                    )
                )
                continue
            seen_refs.add(item["ref"])
            seen_keys.add(key)
            status, time, device, technician = state[task.id]
            if not time or item["time"] > time:
                outcome = "applied"
                technician_ref = item["event"].get("technician_external_id")
                state[task.id] = (
                    item["status"],
                    item["time"],
                    item["device"],
                    technicians[str(technician_ref)]
                    if technician_ref
                    else self.env["hr.employee"],
                )
                applied_tasks.add(task.id)
            elif item["status"] != status and item["device"] != device:
                outcome = "conflict"
                conflicts.append((item, status, time, device))
            else:
                outcome = "superseded"
                message.notes.append(
                    _(
                        "%(task)s: %(status)s of %(time)s is older than the state "
                        "known (%(current)s of %(current_time)s); kept, not applied.",
                        task=task.display_name,
                        status=item["status"],
                        time=item["time"],
                        current=status,
                        current_time=time,
                    )
                )
            to_create.append((item, outcome))
        created = self._create_events(message, to_create, technicians)
        for item, status, time, device in conflicts:
            message.report(
                "work_order_status_conflict",
                _(
                    "%(task)s: device %(device)s reported %(status)s at %(time)s; "
                    "device %(other)s had reported %(current)s at %(current_time)s, "
                    "no earlier, and that status stays. Check with the crew which "
                    "one is right.",
                    task=item["task"].display_name,
                    device=item["device"] or _("(unknown)"),
                    status=item["status"],
                    time=item["time"],
                    other=device or _("(unknown)"),
                    current=status,
                    current_time=time,
                ),
                item["task"],
            )
        changed = Task.browse(sorted(applied_tasks))
        self._apply_task_states(message, changed, state)
        return [all_tasks, created]

    @api.model
    def _create_events(self, message, items, technicians):
        """The events of ``items`` [(item, outcome)], their photos attached to the
        task, each in one create."""
        photos = [
            (position, photo)
            for position, (item, _outcome) in enumerate(items)
            for photo in item["event"].get("photos") or []
        ]
        for _position, photo in photos:
            try:
                base64.b64decode(photo["content_base64"], validate=True)
            except binascii.Error as exc:
                raise IntegrationError(
                    _(
                        "Photo %(name)s is not valid base64: %(error)s",
                        name=photo.get("filename") or "",
                        error=exc,
                    ),
                    code="invalid_photo",
                    retryable=False,
                ) from exc
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": photo.get("filename") or "photo.jpg",
                    "datas": photo["content_base64"],
                    "mimetype": photo.get("mimetype") or "image/jpeg",
                    "res_model": "project.task",
                    "res_id": items[position][0]["task"].id,
                }
                for position, photo in photos
            ]
        )
        photos_of = {}
        for (position, _photo), attachment in zip(photos, attachments, strict=True):
            photos_of.setdefault(position, []).append(attachment.id)
        vals_list = []
        for position, (item, outcome) in enumerate(items):
            technician_ref = item["event"].get("technician_external_id")
            vals_list.append(
                {
                    "task_id": item["task"].id,
                    "system_id": message.system.id,
                    "status": item["status"],
                    "event_time": item["time"],
                    "device_ref": item["device"],
                    "event_ref": item["ref"] or False,
                    "technician_id": technician_ref
                    and technicians[str(technician_ref)].id,
                    "message": item["event"].get("note"),
                    "attachment_ids": [Command.set(photos_of.get(position, []))],
                    "outcome": outcome,
                    "integration_message_id": message.record.id,
                }
            )
        tasks = self.env["project.task"].browse({v["task_id"] for v in vals_list})
        with tasks._work_order_unlock():
            return self.env["construction.work.order.event"].create(vals_list)

    @api.model
    def _apply_task_states(self, message, tasks, state):
        """Write each task's newest state and the stage its status maps to; the
        ownership rules decide whether this system may set execution status."""
        items = [
            (
                task,
                {
                    "work_order_status": state[task.id][0],
                    "work_order_status_time": state[task.id][1],
                    "work_order_status_device": state[task.id][2],
                    "work_order_technician_id": state[task.id][3].id,
                },
            )
            for task in tasks
        ]
        allowed = self.env["integration.ownership"]._filter_write_many(
            message.system, items, message
        )
        stages = self.env["construction.work.order.stage"]._stages_for(tasks.project_id)
        for (task, _vals), vals in zip(items, allowed, strict=True):
            if "work_order_status" not in vals:
                continue
            stage = stages.get((task.project_id.id, vals["work_order_status"]))
            if stage and stage != task.stage_id:
                vals["stage_id"] = stage.id
                if task.project_id not in stage.project_ids:
                    # sudo: only project managers edit stages; a stage an
                    # administrator mapped to a status becomes a column of the
                    # job's board the first time one of its work orders reaches it
                    stage.sudo().project_ids = [Command.link(task.project_id.id)]
            task._work_order_write(vals)
