"""Date-times as flows send them and as Odoo stores them."""

from datetime import UTC, datetime


def naive_utc(value):
    """An ISO 8601 date-time as Odoo stores it: naive UTC (no zone means UTC).
    Raises ValueError for a string that is none, OverflowError for one whose UTC
    time falls outside years 1-9999."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
