/** @odoo-module **/
import {registry} from "@web/core/registry";

// An equipment cost approver accepts a flagged day of a machine's usage, approves
// and posts the equipment cost a coordinator staged, and finds it as actual in the
// job's job cost.
registry.category("web_tour.tours").add("equipment_usage_cost_job_cost", {
    url: "/odoo/action-equipment_costing.action_construction_equipment_usage",
    steps: () => [
        {
            content: "Open the machine's flagged day",
            trigger:
                ".o_data_row:contains(Tour Excavator):contains(Flagged) td[name=date]",
            run: "click",
        },
        {
            content: "The reason it waits for a person is shown",
            trigger: ".alert-warning:contains(more than the)",
        },
        {
            content: "Accept the figures as reported",
            trigger: "button[name=action_accept]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The day is accepted",
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains(Accepted)",
        },
        {
            content: "Open the equipment cost",
            trigger:
                ".o_menu_sections [data-menu-xmlid='equipment_costing.menu_equipment_root']",
            run: "click",
        },
        {
            trigger:
                ".dropdown-item[data-menu-xmlid='equipment_costing.menu_equipment_cost']",
            run: "click",
        },
        {
            content: "Select the staged operating hours",
            trigger:
                ".o_data_row:contains(Tour Excavator):contains(Operating Hours) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "and the staged idle hours",
            trigger:
                ".o_data_row:contains(Tour Excavator):contains(Idle Hours) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Approve them together",
            trigger: "button[name=action_approve]",
            run: "click",
        },
        {
            content: "Approved lines leave the list of lines to approve",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Tour Excavator)))",
        },
        {
            content: "Show the lines to post too",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: ".o_filter_menu .o_menu_item:contains(To Post)",
            run: "click",
        },
        {
            content: "Select the approved operating hours",
            trigger:
                ".o_data_row:contains(Tour Excavator):contains(Operating Hours):contains(Approved) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "and the approved idle hours",
            trigger:
                ".o_data_row:contains(Tour Excavator):contains(Idle Hours):contains(Approved) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Post them as job cost",
            trigger: "button[name=action_post]",
            run: "click",
        },
        {
            content: "Posted lines leave the list of lines to approve or post",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Tour Excavator)))",
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
            trigger: ".o_group_name:contains(Tour Quarry)",
            run: "click",
        },
        {
            content: "The posted equipment cost is the cost code's actual",
            trigger:
                ".o_data_row:contains(TOUR-EQ-31) td[name=actual]:contains(790.00)",
        },
    ],
});
