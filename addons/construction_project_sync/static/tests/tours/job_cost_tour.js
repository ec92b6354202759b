/** @odoo-module **/
import {registry} from "@web/core/registry";

// A project controller drafts a budget revision, approves it, approves a pending
// change order and reads the job cost report.
registry.category("web_tour.tours").add("construction_budget_change_order_job_cost", {
    url: "/odoo/action-construction_project_sync.action_construction_budget",
    steps: () => [
        {
            content: "New budget",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Pick the job",
            trigger: ".o_field_widget[name=job_id] input",
            run: "edit Tour Hall",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour Hall)",
            run: "click",
        },
        {
            content: "Add a line",
            trigger: ".o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_data_row .o_field_widget[name=cost_code_id] input",
            run: "edit TOUR-1",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(TOUR-1)",
            run: "click",
        },
        {
            trigger: ".o_data_row .o_field_widget[name=unit_cost] input",
            run: "edit 5000",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
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
