# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .construction_common import JOB_COST_FIGURES as FIGURES
from .project_task import WORK_ORDER_STATUSES as STATUSES


class IntegrationHub(models.AbstractModel):
    _inherit = "integration.hub"

    @api.model
    def _openapi_extra_paths(self):
        paths = super()._openapi_extra_paths()
        figure = {"type": "number"}
        paths["/jobs/{job_ref}/job-cost"] = {
            "get": {
                "operationId": "get_job_cost",
                "summary": "Job cost by cost code and cost type (budget, changes, "
                "committed, actual, remaining, projected, variance)",
                "tags": ["jobs"],
                "parameters": [
                    {
                        "name": "job_ref",
                        "in": "path",
                        "required": True,
                        "description": "The job number, or the calling system's "
                        "external id of the job",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "Job cost",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "job": {"type": "object"},
                                        "currency": {"type": "string"},
                                        "totals": {
                                            "type": "object",
                                            "properties": dict.fromkeys(
                                                FIGURES, figure
                                            ),
                                        },
                                        "lines": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "properties": {
                                                    "cost_code": {
                                                        "type": ["string", "null"]
                                                    },
                                                    "cost_type": {"type": "string"},
                                                    **dict.fromkeys(FIGURES, figure),
                                                },
                                            },
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "401": {"$ref": "#/components/responses/Problem401"},
                    "404": {"$ref": "#/components/responses/Problem404"},
                },
            }
        }
        paths["/work-orders/{work_order_ref}"] = {
            "get": {
                "operationId": "get_work_order",
                "summary": "A work order's execution status, the event time it comes "
                "from, its job and its task stage",
                "tags": ["jobs"],
                "parameters": [
                    {
                        "name": "work_order_ref",
                        "in": "path",
                        "required": True,
                        "description": "The calling system's external id of the work "
                        "order",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "Work order status",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "name": {"type": "string"},
                                        "status": {
                                            "type": ["string", "null"],
                                            "enum": [
                                                *(code for code, _label in STATUSES),
                                                None,
                                            ],
                                        },
                                        "status_time": {
                                            "type": ["string", "null"],
                                            "format": "date-time",
                                        },
                                        "job": {
                                            "type": "object",
                                            "properties": {
                                                "number": {"type": ["string", "null"]},
                                                "name": {"type": "string"},
                                            },
                                        },
                                        "stage": {"type": ["string", "null"]},
                                    },
                                }
                            }
                        },
                    },
                    "401": {"$ref": "#/components/responses/Problem401"},
                    "404": {"$ref": "#/components/responses/Problem404"},
                },
            }
        }
        return paths
