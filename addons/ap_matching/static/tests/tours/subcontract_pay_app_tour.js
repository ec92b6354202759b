/** @odoo-module **/
import {registry} from "@web/core/registry";

// The job's project manager certifies a subcontractor's pay application a clerk
// prepared, then bills it: the bill withholds the retention.
registry.category("web_tour.tours").add("ap_matching_subcontract_certify_bill", {
    url: "/odoo/action-ap_matching.action_ap_subcontract_pay_apps",
    steps: () => [
        {
            content: "Open the application the clerk submitted",
            trigger: ".o_data_row td:contains(Formwork Partners LLC)",
            run: "click",
        },
        {
            content: "Certify it",
            trigger: "button[name=action_certify]:contains(Certify)",
            run: "click",
        },
        {
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains(Certified)",
        },
        {
            content: "Bill it",
            trigger: "button[name=action_create_bill]:contains(Create Bill)",
            run: "click",
        },
        {
            content: "The bill withholds the retention on its own line",
            trigger:
                ".o_field_widget[name=invoice_line_ids] .o_data_row:contains(-1,500.00)",
        },
    ],
});
