# Copyright 2026 Construction Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Construction Integration Hub",
    "summary": "Durable inbox, flows, signed webhooks, ID mapping, exceptions and "
    "monitoring for the systems that talk to Odoo",
    "version": "18.0.0.3.0",
    "category": "Construction",
    "website": "https://github.com/construction-integration-hub/odoo-construction-hub",
    "author": "Construction Integration Hub contributors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": ["base", "web", "mail", "queue_job"],
    "external_dependencies": {"python": ["jsonschema", "requests"]},
    "data": [
        "security/integration_queue_security.xml",
        "security/ir.model.access.csv",
        "security/integration_queue_rules.xml",
        "data/res_groups_data.xml",
        "data/queue_job_data.xml",
        "data/integration_flow_data.xml",
        "data/ir_cron_data.xml",
        "views/integration_message_views.xml",
        "views/integration_exception_views.xml",
        "views/integration_system_views.xml",
        "views/integration_system_key_views.xml",
        "views/integration_config_views.xml",
        "views/integration_monitoring_views.xml",
        "views/menus.xml",
        "views/res_users_views.xml",
        "views/integration_flow_version_views.xml",
        "views/integration_system_interface_views.xml",
        "views/integration_dry_run_wizard_views.xml",
    ],
    "demo": ["demo/integration_demo.xml", "demo/contracts_demo.xml"],
    "post_load": "post_load",
    "assets": {
        "web.assets_tests": [
            "integration_queue/static/tests/tours/*.js",
        ],
    },
}
