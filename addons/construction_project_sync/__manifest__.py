# Copyright 2026 Construction Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Construction Jobs and Job Cost",
    "summary": "Jobs, cost codes, budgets, change orders, commitments vs actuals, "
    "field time and progress billing",
    "version": "18.0.0.1.0",
    "category": "Construction",
    "website": "https://github.com/construction-integration-hub/odoo-construction-hub",
    "author": "Construction Integration Hub contributors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": [
        "integration_queue",
        "project",
        "hr_timesheet",
        "analytic",
        "account",
        "purchase",
    ],
    "data": [
        "security/construction_project_sync_security.xml",
        "security/ir.model.access.csv",
        "security/construction_project_sync_rules.xml",
        "data/construction_data.xml",
        "data/construction_approval_data.xml",
        "data/integration_flow_data.xml",
        "data/construction_job_cost_view.xml",
        "data/construction_reconciliation_data.xml",
        "data/field_time_flow_data.xml",
        "views/project_project_views.xml",
        "views/construction_budget_views.xml",
        "views/purchase_order_views.xml",
        "views/construction_field_time_views.xml",
        "wizards/construction_field_time_wizard_views.xml",
        "data/billing_flow_data.xml",
        "data/integration_ownership_data.xml",
        "views/construction_billing_views.xml",
        "views/menus.xml",
        "views/construction_approval_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "construction_project_sync/static/tests/tours/*.js",
        ],
    },
    "demo": [
        "demo/construction_demo.xml",
        "demo/field_time_demo.xml",
        "demo/pay_application_demo.xml",
    ],
}
