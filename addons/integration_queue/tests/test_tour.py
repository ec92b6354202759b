from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestConstructionMenuTour(HttpCase):
    def test_construction_menu_tour(self):
        self.start_tour("/odoo", "integration_queue_construction_menu", login="admin")
