from datetime import date

from psycopg2.errors import SerializationFailure

from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestEquipmentUsageConcurrency(TransactionCase):
    """Two job workers deriving the usage of the same machines at once (two
    snapshots of a fleet in flight): the second must not work from a view of the
    readings that misses the first's (found by tests/bench/bench_equipment.py:
    duplicate usage rows, costed twice)."""

    def test_derivation_after_another_of_the_same_machine_fails_to_be_retried(self):
        Usage = self.env["construction.equipment.usage"]
        # a machine committed before this test's transaction started
        machine = self.env["maintenance.equipment"].search([], limit=1, order="id")
        if not machine:
            self.skipTest("no machine in the database")
        # the test's transaction takes its snapshot here
        Usage.search_count([("equipment_id", "=", machine.id)])
        # another worker derives the machine's usage and commits meanwhile
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SET lock_timeout = '10s'")
            Usage.with_env(self.env(cr=other))._claim(machine)
        # this derivation cannot see what the other one stored: it fails, and
        # the hub retries the message (unexpected_error is retryable) with a
        # fresh snapshot, instead of creating the day's row a second time
        day = date(2026, 11, 25)
        with self.assertRaises(SerializationFailure), self.env.cr.savepoint():
            Usage._recompute(machine.ids, day, day)
