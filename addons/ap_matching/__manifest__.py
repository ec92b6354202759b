# Copyright 2026 Construction Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Construction AP Matching",
    "summary": "Material requests, vendor bills (JSON and UBL), three-way matching, "
    "subcontractor pay applications",
    "version": "18.0.0.1.0",
    "category": "Construction",
    "website": "https://github.com/construction-integration-hub/odoo-construction-hub",
    "author": "Construction Integration Hub contributors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": [
        "construction_project_sync",
        "purchase_stock",
        "account_edi_ubl_cii",
        "base_vat",
        "purchase_request",
    ],
    "data": [
        "security/ap_matching_security.xml",
        "security/ir.model.access.csv",
        "security/ap_matching_rules.xml",
        "data/integration_flow_data.xml",
        "data/ap_receipt_flow_data.xml",
        "data/ap_material_request_flow_data.xml",
        "data/ap_reconciliation_data.xml",
        "wizards/ap_hold_resolution_views.xml",
        "views/purchase_request_views.xml",
        "views/account_move_views.xml",
        "views/integration_exception_views.xml",
        "views/res_partner_views.xml",
        "views/project_project_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
        "data/ap_consumption_flow_data.xml",
        "data/ap_consumption_reconciliation_data.xml",
        "data/ap_consumption_job_cost_view.xml",
        "views/construction_material_consumption_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "ap_matching/static/tests/tours/*.js",
        ],
    },
    "demo": [
        "demo/ap_bills_demo.xml",
        "demo/ap_matching_demo.xml",
        "demo/consumption_demo.xml",
    ],
}
