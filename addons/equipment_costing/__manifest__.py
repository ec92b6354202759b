# Copyright 2026 Construction Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Construction Equipment Costing",
    "summary": "Equipment master, ISO 15143-3 telematics usage and equipment cost "
    "allocation to jobs",
    "version": "18.0.0.1.0",
    "category": "Construction",
    "website": "https://github.com/construction-integration-hub/odoo-construction-hub",
    "author": "Construction Integration Hub contributors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["construction_project_sync", "maintenance"],
    "data": [
        "security/equipment_costing_security.xml",
        "security/ir.model.access.csv",
        "security/equipment_costing_rules.xml",
        "data/integration_flow_data.xml",
        "data/construction_job_cost_view.xml",
        "data/equipment_reconciliation_data.xml",
        "views/maintenance_equipment_views.xml",
        "views/construction_equipment_assignment_views.xml",
        "views/construction_equipment_reading_views.xml",
        "views/construction_equipment_usage_views.xml",
        "views/construction_equipment_utilization_views.xml",
        "views/res_config_settings_views.xml",
        "views/construction_equipment_cost_views.xml",
        "views/construction_equipment_fuel_views.xml",
        "views/maintenance_request_views.xml",
        "views/account_move_views.xml",
        "views/res_company_views.xml",
        "views/menus.xml",
        "data/document_data.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "equipment_costing/static/tests/tours/*.js",
        ],
    },
    "demo": ["demo/equipment_demo.xml", "demo/equipment_cost_demo.xml"],
}
