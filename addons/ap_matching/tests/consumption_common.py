"""A van with valued stock, a job with a work order and the field platform's
system, for the material consumption tests."""

from odoo.addons.construction_project_sync.tests.common import ensure_chart_of_accounts
from odoo.addons.integration_queue.tests.common import make_system

CONSUMER_GROUPS = ["ap_matching.group_material_consumer"]


def setup_consumption(cls, code="field_consume_test"):
    """On ``cls``: company, system (+ key), job JOB-C1 with cost code and work order
    WO-C1, van VAN-12 holding 20 units of PIPE-22 at 12.50 (valued in real time),
    all mapped for the system."""
    env = cls.env
    cls.company = env.company
    ensure_chart_of_accounts(env, cls.company)
    cls.flow = env.ref("ap_matching.flow_material_consumed")
    cls.system, cls.key = make_system(env, code, cls.flow, groups=CONSUMER_GROUPS)
    cls.return_flow = env.ref("ap_matching.flow_material_returned")
    cls.system.flow_ids |= cls.return_flow
    cls.category = env["product.category"].create(
        {
            "name": "Test Plumbing (real time)",
            "property_cost_method": "standard",
            "property_valuation": "real_time",
        }
    )
    cls.pipe = env["product.product"].create(
        {
            "name": "Test Copper pipe 22 mm",
            "default_code": "T-PIPE-22",
            "is_storable": True,
            "categ_id": cls.category.id,
            "standard_price": 12.5,
        }
    )
    cls.job = env["project.project"].create(
        {"name": "Test Clinic Fit-out", "is_job": True, "job_number": "T-C-1"}
    )
    cls.cost_code = env["construction.cost.code"].create(
        {"code": "T-22100", "name": "Plumbing piping", "cost_type": "material"}
    )
    cls.task = env["project.task"].create(
        {
            "name": "Test Replace riser",
            "project_id": cls.job.id,
            "is_work_order": True,
            "cost_code_id": cls.cost_code.id,
        }
    )
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", cls.company.id)], limit=1
    )
    cls.van = env["stock.location"].create(
        {
            "name": "Test Van 12",
            "usage": "internal",
            "location_id": warehouse.view_location_id.id,
            "company_id": cls.company.id,
        }
    )
    mapping = env["integration.mapping"]
    for record, ref in ((cls.job, "JOB-C1"), (cls.task, "WO-C1"), (cls.van, "VAN-12")):
        mapping._link(cls.system, record, ref)
    stock(env, cls.pipe, cls.van, 20)


def stock(env, product, location, quantity):
    """Count ``quantity`` into ``location`` as an inventory adjustment does (valued
    at the product's cost)."""
    env["stock.quant"].with_context(inventory_mode=True).create(
        {
            "product_id": product.id,
            "location_id": location.id,
            "inventory_quantity": quantity,
        }
    ).action_apply_inventory()


def consumed(ref, quantity, **extra):
    return {
        "external_id": ref,
        "job_external_id": "JOB-C1",
        "work_order_external_id": "WO-C1",
        "product_code": "T-PIPE-22",
        "quantity": quantity,
        "location_external_id": "VAN-12",
        "consumed_at": "2026-11-30T09:15:00+01:00",
        **extra,
    }


def returned(ref, consumption_ref, quantity, **extra):
    return {
        "external_id": ref,
        "consumption_external_id": consumption_ref,
        "quantity": quantity,
        "returned_at": "2026-12-01T16:30:00+01:00",
        **extra,
    }
