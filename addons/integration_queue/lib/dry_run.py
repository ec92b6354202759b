"""What a dry run records while the pipeline runs in a transaction rolled back.

The recorder hangs off the cursor (never the context: no caller can pass or forge
it), so only the hub's dry run turns recording on, for the cursor it runs in.
"""

import weakref

_RECORDERS = weakref.WeakKeyDictionary()

# bookkeeping the dry run reports in its own words (mappings, exceptions, webhooks)
# or not at all (the message itself, its jobs, chatter, technical records)
UNREPORTED_PREFIXES = ("ir.", "mail.", "bus.", "queue.", "base.", "res.users.")
HUB_MODELS = (
    "integration.message",
    "integration.message.attempt",
    "integration.lineage",
    "integration.mapping",
    "integration.exception",
    "integration.outbox",
)
# fields every write touches, which say nothing of the business change
LOG_FIELDS = frozenset(
    ("create_uid", "create_date", "write_uid", "write_date", "__last_update")
)


class Recorder:
    """Records made and changed during a dry run: for each created record the
    fields given, for each updated one the fields written and their value before."""

    def __init__(self):
        self.created = {}  # (model, id): set of field names, in creation order
        self.old = {}  # (model, id): {field: value before the first write}
        self.sequence_taken = {}  # sequence key: numbers previewed so far

    @staticmethod
    def watches(model):
        return model._name in HUB_MODELS or not (
            model._transient or model._name.startswith(UNREPORTED_PREFIXES)
        )

    def on_create(self, records, vals_list):
        for record, vals in zip(records, vals_list, strict=False):
            self.created[record._name, record.id] = set(vals) - LOG_FIELDS

    def on_write(self, records, vals, shown):
        names = [
            name for name in vals if name in records._fields and name not in LOG_FIELDS
        ]
        for record in records:
            key = (record._name, record.id)
            if key in self.created:
                self.created[key].update(names)
                continue
            before = self.old.setdefault(key, {})
            for name in names:
                if name not in before:
                    before[name] = shown(record, name)

    def take_sequence_number(self, key):
        """How many numbers of sequence ``key`` this dry run previewed before."""
        taken = self.sequence_taken.get(key, 0)
        self.sequence_taken[key] = taken + 1
        return taken


def recorder_of(cr):
    """The recorder of the dry run running in ``cr``, or None."""
    return _RECORDERS.get(cr)


def start(cr):
    recorder = Recorder()
    _RECORDERS[cr] = recorder
    return recorder


def stop(cr):
    _RECORDERS.pop(cr, None)
