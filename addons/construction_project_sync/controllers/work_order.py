# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request

from odoo.addons.integration_queue.controllers.api import (
    ApiProblem,
    api_route,
    json_response,
)


class WorkOrderApi(http.Controller):
    @api_route("/work-orders/<string:work_order_ref>", methods=["GET"])
    def work_order(self, work_order_ref):
        """A work order's execution status and stage, by the calling system's own
        external id (another system's ids name nothing here)."""
        env = request.env
        system = env["integration.system"]._for_user(env.user)
        task = (
            env["integration.mapping"]._resolve(system, "project.task", work_order_ref)
            if system
            else None
        )
        # another company's task stays unknown, not forbidden: ids tell nothing
        task = task and task._filtered_access("read")
        if not task or not task.is_work_order:
            raise ApiProblem(
                "not_found", f"No work order {work_order_ref!r} visible to this key."
            )
        return json_response(task._work_order_api_view())
