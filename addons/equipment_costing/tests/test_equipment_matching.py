from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from odoo.addons.integration_queue.tests.common import make_system

from ..models.maintenance_equipment import identity


@tagged("post_install", "-at_install")
class TestTelematicsMatching(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.system, _key = make_system(
            cls.env,
            "telematics_test",
            cls.env["integration.flow"],
            groups=["equipment_costing.group_equipment_user"],
        )
        cls.Equipment = cls.env["maintenance.equipment"]
        cls.excavator = cls.Equipment.create(
            {
                "name": "Test Excavator",
                "oem_name": "CAT",
                "model": "320",
                "serial_no": "T-YBN1",
                "pin": "T-CAT0320GYBN1",
            }
        )

    def match(self, oem=None, model=None, serial=None, pin=None, equipment_id=None):
        return self.Equipment._match_telematics(
            self.system, oem, model, serial, pin, equipment_id
        )

    def mapped(self, equipment_id):
        return self.env["integration.mapping"]._resolve(
            self.system, "maintenance.equipment", equipment_id
        )

    def test_placeholders_are_no_identity(self):
        for value in (None, "", " ", "missing", "N/A", "0", "000000", "unknown"):
            self.assertIsNone(identity(value), value)
        self.assertEqual(identity(" 1F0 "), "1F0")

    def test_pin_first(self):
        machine = self.match(oem="Caterpillar", serial="other", pin="T-CAT0320GYBN1")
        self.assertEqual(machine, self.excavator)

    def test_oem_and_serial_then_learns_the_pin_and_the_id(self):
        machine = self.match(
            oem="cat", model="320", serial="T-YBN1", pin="N/A", equipment_id="4711"
        )
        self.assertEqual(machine, self.excavator)
        self.assertEqual(self.excavator.pin, "T-CAT0320GYBN1")
        self.assertEqual(self.mapped("4711"), self.excavator)
        self.assertEqual(self.match(equipment_id="4711"), self.excavator)

    def test_system_equipment_id_through_mapping(self):
        rented = self.Equipment.create({"name": "Test Roller"})
        self.env["integration.mapping"]._link(self.system, rented, "R-9")
        self.assertEqual(
            self.match(oem="missing", serial="0", equipment_id="R-9"), rented
        )
        self.assertFalse(rented.serial_no, "a placeholder is never stored")

    def test_unknown_machine_created_once_and_flagged(self):
        count = self.Equipment.search_count([])
        machine = self.match(
            oem="Komatsu",
            model="PC210",
            serial="T-K1",
            pin="missing",
            equipment_id="K-1",
        )
        self.assertTrue(machine.created_from_telematics)
        self.assertEqual(machine.name, "Komatsu PC210")
        self.assertFalse(machine.pin)
        self.assertEqual(machine.company_id, self.system.company_id)
        self.assertEqual(self.mapped("K-1"), machine)
        # the next snapshot names it the same way: the same machine
        self.assertEqual(
            self.match(oem="KOMATSU", serial="T-K1", pin="", equipment_id="K-1"),
            machine,
        )
        self.assertEqual(self.Equipment.search_count([]), count + 1)

    def test_two_unknown_machines_with_placeholder_pins_stay_two(self):
        first = self.match(oem="Volvo", serial="T-V1", pin="missing")
        second = self.match(oem="Volvo", serial="T-V2", pin="missing")
        self.assertNotEqual(first, second)

    def test_nothing_to_match_on_is_refused(self):
        with self.assertRaises(UserError):
            self.match(oem="CAT", model="320", serial="N/A", pin="0", equipment_id="")

    def test_the_service_user_matches_and_creates_with_its_own_rights(self):
        Equipment = self.Equipment.with_user(self.system.user_id)
        self.assertEqual(
            Equipment._match_telematics(
                self.system, "CAT", None, "T-YBN1", None, "S-1"
            ).id,
            self.excavator.id,
        )
        created = Equipment._match_telematics(
            self.system, "Hitachi", "ZX135", "T-H1", None, "S-2"
        )
        self.assertTrue(created.created_from_telematics)
        self.assertEqual(self.mapped("S-2"), created)

    def test_a_snapshots_machines_match_at_once_as_one_by_one(self):
        """The snapshot's matching: the same machines as one by one, identities and
        ids learnt the same way, in a number of queries that does not grow with
        the machines already settled."""
        roller = self.Equipment.create(
            {"name": "Test Roller", "oem_name": "BOMAG", "serial_no": "T-BW1"}
        )
        self.env["integration.mapping"]._link(self.system, roller, "R-9")
        headers = [
            # by PIN
            {"oem_name": "Caterpillar", "pin": "T-CAT0320GYBN1"},
            # by OEM (another case) and serial; teaches nothing new
            {"oem_name": "cat", "serial_number": "T-YBN1", "pin": "N/A"},
            # by the system's id
            {"equipment_id": "R-9"},
            # by OEM and serial, and the system's id is learnt for the machine
            {"oem_name": "bomag", "serial_number": "T-BW1", "model": "BW 120"},
            {"oem_name": "CAT", "serial_number": "T-YBN1", "equipment_id": "E-1"},
            # new: created once, even named twice in one snapshot
            {"oem_name": "Deere", "model": "310", "pin": "T-1T0310NEW"},
            {"oem_name": "Deere", "model": "310", "pin": "T-1T0310NEW"},
        ]
        machines = self.Equipment._match_telematics_many(self.system, headers)
        new = machines[5]
        self.assertEqual(
            machines,
            [self.excavator, self.excavator, roller, roller, self.excavator, new, new],
        )
        self.assertTrue(new.created_from_telematics)
        self.assertEqual(roller.model, "BW 120")
        self.assertEqual(self.mapped("E-1"), self.excavator)
        # all settled now: the next snapshot of the same machines, many times over
        settled = headers * 20
        with self.assertQueryCount(__system__=5):
            again = self.Equipment._match_telematics_many(self.system, settled)
        self.assertEqual(again, machines * 20)
