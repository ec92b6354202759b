from odoo.tests import TransactionCase, tagged

from ..lib.errors import IntegrationError
from ..models.integration_message import InboundMessage
from .common import ingest, make_system


@tagged("post_install", "-at_install")
class TestUpsertMany(TransactionCase):
    """The batched upsert a processor uses for many records of one message: the same
    outcome as upsert record by record (mappings, ownership, lineage)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        flow = cls.env.ref("integration_queue.flow_partner_upsert")
        cls.system, _key = make_system(
            cls.env, "bulk_test", flow, groups=["base.group_partner_manager"]
        )
        ingest(cls.env, cls.system, flow, [{"external_id": "X", "name": "X"}])
        cls.message = cls.env["integration.message"].search(
            [("system_id", "=", cls.system.id)]
        )
        cls.Mapping = cls.env["integration.mapping"]

    def inbound(self):
        return InboundMessage(self.message, self.message._processing_env())

    def resolve(self, ref):
        return self.Mapping._resolve(self.system, "res.partner", ref)

    def test_creates_the_new_updates_the_mapped_and_links_each(self):
        first = self.inbound()
        first.upsert("res.partner", "P-1", {"name": "One", "city": "Lyon"})
        ctx = self.inbound()
        records = ctx.upsert_many(
            "res.partner",
            [
                ("P-1", {"name": "One", "city": "Paris"}),
                ("P-2", {"name": "Two", "city": "Paris"}),
                ("P-3", {"name": "Three", "city": "Nice"}),
            ],
        )
        self.assertEqual(set(records), {"P-1", "P-2", "P-3"})
        for ref, (name, city) in {
            "P-1": ("One", "Paris"),
            "P-2": ("Two", "Paris"),
            "P-3": ("Three", "Nice"),
        }.items():
            self.assertEqual(records[ref], self.resolve(ref))
            self.assertEqual((records[ref].name, records[ref].city), (name, city))
        self.assertEqual(records["P-2"].create_uid, self.system.user_id)
        actions = {(res_id, action) for _model, res_id, action in ctx.links}
        self.assertEqual(
            actions,
            {
                (records["P-1"].id, "updated"),
                (records["P-2"].id, "created"),
                (records["P-3"].id, "created"),
            },
        )
        created = self.Mapping.search(
            [("system_id", "=", self.system.id), ("external_id", "in", ["P-2", "P-3"])]
        )
        self.assertEqual(created.message_id, self.message)
        # again: nothing is created twice
        again = self.inbound().upsert_many(
            "res.partner", [("P-2", {"name": "Two"}), ("P-3", {"name": "Three"})]
        )
        self.assertEqual(again["P-2"], records["P-2"])
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "in", ["Two", "Three"])]), 2
        )

    def test_a_field_odoo_owns_is_refused_in_a_batch_too(self):
        # the attack: a batch slips a write of a field Odoo owns among other records
        self.inbound().upsert("res.partner", "O-1", {"name": "Owned", "ref": "C-1"})
        self.env["integration.ownership"].create(
            {
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "field_ids": [(6, 0, [self.env.ref("base.field_res_partner__ref").id])],
                "on_conflict": "refuse",
            }
        )
        with self.assertRaises(IntegrationError) as caught:
            self.inbound().upsert_many(
                "res.partner",
                [("O-2", {"name": "New", "ref": "C-2"}), ("O-1", {"ref": "C-9"})],
            )
        self.assertEqual(caught.exception.code, "field_owned_by_other_system")
        self.assertEqual(self.resolve("O-1").ref, "C-1")

    def test_ignored_fields_are_dropped_per_record_with_a_note(self):
        self.inbound().upsert_many(
            "res.partner",
            [
                ("I-1", {"name": "A", "phone": "1"}),
                ("I-2", {"name": "B", "phone": "2"}),
            ],
        )
        self.env["integration.ownership"].create(
            {
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "field_ids": [
                    (6, 0, [self.env.ref("base.field_res_partner__phone").id])
                ],
                "on_conflict": "ignore",
            }
        )
        ctx = self.inbound()
        ctx.upsert_many(
            "res.partner",
            [
                ("I-1", {"phone": "9", "city": "Metz"}),
                ("I-2", {"phone": "9", "city": "Metz"}),
            ],
        )
        for ref, phone in (("I-1", "1"), ("I-2", "2")):
            self.assertEqual(
                (self.resolve(ref).phone, self.resolve(ref).city), (phone, "Metz")
            )
        self.assertEqual(len(ctx.notes), 2)

    def test_a_mapping_whose_record_was_deleted_gives_way(self):
        gone = self.inbound().upsert("res.partner", "D-1", {"name": "Gone"})
        gone.unlink()
        records = self.inbound().upsert_many("res.partner", [("D-1", {"name": "Back"})])
        self.assertEqual(self.resolve("D-1"), records["D-1"])
        self.assertEqual(records["D-1"].name, "Back")

    def test_an_external_id_twice_is_a_programming_error(self):
        with self.assertRaises(ValueError):
            self.inbound().upsert_many(
                "res.partner", [("T-1", {"name": "A"}), ("T-1", {"name": "B"})]
            )
