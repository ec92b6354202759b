/** @odoo-module **/
import {registry} from "@web/core/registry";

// An AP manager opens a bill the match held (priced above its order), releases
// the hold with a reason and posts it.
registry.category("web_tour.tours").add("ap_matching_bill_hold_release_post", {
    url: "/odoo/action-ap_matching.action_ap_bills_on_hold",
    steps: () => [
        {
            content: "Open the held bill a clerk prepared",
            trigger: ".o_data_row td:contains(TOUR-BILL)",
            run: "click",
        },
        {
            content: "The bill says why it is held",
            trigger: ".alert-danger:contains(Price Variance)",
        },
        {
            content: "Release the hold",
            trigger: "button[name=action_ap_open_resolution]:contains(Release Hold)",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal div[name=note] textarea",
            run: "edit Surcharge agreed with the vendor",
        },
        {
            trigger: ".modal-footer button[name=action_apply]",
            run: "click",
        },
        {
            content: "The release and its reason are on the bill",
            trigger: ".alert-info:contains(Surcharge agreed with the vendor)",
        },
        {
            content: "Post the bill",
            trigger: "button[name=action_post]:contains(Confirm)",
            run: "click",
        },
        {
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains(Posted)",
        },
    ],
});
