/** @odoo-module **/
import {registry} from "@web/core/registry";

// An approver approves a budget and a pending change order that others prepared,
// and reads the job cost report.
registry.category("web_tour.tours").add("construction_budget_change_order_job_cost", {
    url: "/odoo/action-construction_project_sync.action_construction_budget",
    steps: () => [
        {
            content: "Open the draft budget a project manager prepared",
            trigger: ".o_data_row td:contains(Tour Hall)",
            run: "click",
        },
        {
            content: "Approve and lock",
            trigger: "button[name=action_approve]",
            run: "click",
        },
        {
            content: "The budget is approved",
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains(Approved)",
        },
        {
            content: "Open the change orders",
            trigger:
                ".o_menu_sections [data-menu-xmlid='construction_project_sync.menu_jobs_root']",
            run: "click",
        },
        {
            trigger:
                ".dropdown-item[data-menu-xmlid='construction_project_sync.menu_change_orders']",
            run: "click",
        },
        {
            content: "Open the pending change order",
            trigger: ".o_data_row td:contains(TOUR-CO-1)",
            run: "click",
        },
        {
            content: "Approve it",
            trigger: "button[name=action_approve]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains(Approved)",
        },
        {
            content: "Open the job cost report",
            trigger:
                ".o_menu_sections [data-menu-xmlid='construction_project_sync.menu_jobs_root']",
            run: "click",
        },
        {
            trigger:
                ".dropdown-item[data-menu-xmlid='construction_project_sync.menu_job_cost']",
            run: "click",
        },
        {
            content: "The job's group is there",
            trigger: ".o_group_name:contains(Tour Hall)",
            run: "click",
        },
        {
            content: "Its revised budget includes the approved change",
            trigger:
                ".o_data_row:contains(TOUR-1) td[name=revised_budget]:contains(5,750.00)",
        },
    ],
});
