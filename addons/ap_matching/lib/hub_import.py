"""Whether the running code is the hub's import of a vendor bill, and the purchase
order it links the document's lines to: variables of the running thread, which an
RPC caller cannot set (a context key they could)."""

import contextlib
import contextvars

_ORDER = contextvars.ContextVar("ap_matching_import_order", default=None)


@contextlib.contextmanager
def hub_import(order):
    """Inside, Odoo's decoder links each line to its line of ``order`` (a
    purchase.order recordset, maybe empty) and chatter is written without a
    sender address (a system's service user has none)."""
    token = _ORDER.set(order)
    try:
        yield
    finally:
        _ORDER.reset(token)


def hub_import_running():
    return _ORDER.get() is not None


def import_order():
    """The purchase order of the running import, or None."""
    return _ORDER.get()
