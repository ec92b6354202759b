from odoo.tests import HttpCase, new_test_user, tagged

CLICKBOT = (
    "odoo.loader.modules.get('@web/webclient/clickbot/clickbot_loader')"
    ".startClickEverywhere('integration_queue.menu_construction_root');"
)


@tagged("post_install", "-at_install")
class TestClickEverywhere(HttpCase):
    """Odoo's own click bot through every menu of the Construction app, each view
    type and filter of it: a view, filter or action that fails in the browser, or a
    menu a role sees but may not open, fails here."""

    allow_end_on_form = True

    def click_everywhere(self, login):
        self.browser_js(
            "/odoo",
            CLICKBOT,
            "odoo.isReady === true",
            login=login,
            timeout=1200,
            success_signal="clickbot test succeeded",
        )

    def test_every_construction_menu_opens_for_the_administrator(self):
        self.click_everywhere("admin")

    def test_every_menu_a_site_role_sees_opens(self):
        """A project manager who is also an AP clerk (a site's office): every menu
        they are shown opens for them."""
        user = new_test_user(
            self.env,
            "clickbot_site",
            groups="base.group_user,ap_matching.group_ap_clerk,"
            "construction_project_sync.group_project_manager,"
            "ap_matching.group_ap_site_manager",
        )
        self.click_everywhere(user.login)
