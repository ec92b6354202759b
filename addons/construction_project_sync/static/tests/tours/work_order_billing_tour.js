/** @odoo-module **/
import {registry} from "@web/core/registry";

// A billing clerk finds the work order the customer signed for, completed in the
// field, and makes its invoice draft: a draft, posted by accounting later.
registry.category("web_tour.tours").add("construction_work_order_billing", {
    url: "/odoo/action-construction_project_sync.action_construction_work_order_confirmation",
    steps: () => [
        {
            content: "The signed work order awaits billing",
            trigger:
                ".o_data_row:contains(Tour panel swap):contains(Awaiting Billing) .o_data_cell[name=task_id]",
            run: "click",
        },
        {
            content: "Its signature is kept",
            trigger: ".o_field_widget[name=signer_name]:contains(Tour Signer)",
        },
        {
            content: "Create its invoice draft",
            trigger: "button[name=action_create_invoice_drafts]",
            run: "click",
        },
        {
            content: "The customer invoice is a draft with the work order's labour",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Draft)",
        },
        {
            trigger:
                ".o_field_widget[name=invoice_line_ids] .o_data_row:contains(Field Labour):contains(255.00)",
        },
    ],
});
