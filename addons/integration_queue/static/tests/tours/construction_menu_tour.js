/** @odoo-module **/
import {registry} from "@web/core/registry";

// Opens the Construction app from the home menu and checks that every addon's section is there.
registry.category("web_tour.tours").add("integration_queue_construction_menu", {
    url: "/odoo",
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open the Construction app",
            trigger:
                '.o_app[data-menu-xmlid="integration_queue.menu_construction_root"]',
            run: "click",
        },
        {
            content: "The integration section is there",
            trigger:
                '.o_menu_sections [data-menu-xmlid="integration_queue.menu_integration_root"]',
        },
        {
            content: "The jobs section is there",
            trigger:
                '.o_menu_sections [data-menu-xmlid="construction_project_sync.menu_jobs_root"]',
        },
        {
            content: "The equipment section is there",
            trigger:
                '.o_menu_sections [data-menu-xmlid="equipment_costing.menu_equipment_root"]',
        },
        {
            content: "The payables section is there",
            trigger:
                '.o_menu_sections [data-menu-xmlid="ap_matching.menu_payables_root"]',
        },
    ],
});
