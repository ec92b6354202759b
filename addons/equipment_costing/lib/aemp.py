"""ISO 15143-3 (AEMP 2.0) documents as plain data.

Reads the Fleet snapshot and the time-series pages OEM and aggregator APIs serve,
as XML (ISO namespace, the JCMA namespace of Japanese OEMs, or none) or as JSON (the
standard's names, or the lower-case / camelCase / single-object variants vendors
serve), into ``Fleet`` / ``EquipmentSnapshot`` / ``Reading`` with the suite's units:
hours, litres, kilometres, metres (altitude) and percent. Pure Python: no Odoo.

Every refusal is an ``AempError`` with a stable code, never another exception.
"""

import json
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from lxml import etree

from odoo.addons.integration_queue.lib.xml_document import parse_safely

ISO_NAMESPACE = "http://standards.iso.org/iso/15143/-3"
JCMA_NAMESPACE = "http://www.jcmanet.or.jp/english2017/ISO/15143/-3/20190501"
# JCMA dates its namespace; a later edition keeps the prefix
JCMA_PREFIX = "http://www.jcmanet.or.jp/"

# header values OEM APIs send for "not known"
PLACEHOLDERS = {"", "missing", "n/a", "na", "unknown", "none", "null", "-"}
NULL_DATES = ("0001-01-01",)

LITRES = {
    "litre": 1.0,
    "litres": 1.0,
    "liter": 1.0,
    "liters": 1.0,
    "l": 1.0,
    "gallon": 3.785411784,
    "gallons": 3.785411784,
    "gal": 3.785411784,
    "usgallon": 3.785411784,
    "gallonus": 3.785411784,
}
KILOMETRES = {
    "kilometre": 1.0,
    "kilometres": 1.0,
    "kilometer": 1.0,
    "kilometers": 1.0,
    "km": 1.0,
    "metre": 0.001,
    "metres": 0.001,
    "meter": 0.001,
    "meters": 0.001,
    "m": 0.001,
    "mile": 1.609344,
    "miles": 1.609344,
    "mi": 1.609344,
}
METRES = {
    "metre": 1.0,
    "metres": 1.0,
    "meter": 1.0,
    "meters": 1.0,
    "m": 1.0,
    "foot": 0.3048,
    "feet": 0.3048,
    "ft": 0.3048,
}

# section (lower-case name) -> (reading kind, value element, unit element, units)
SECTIONS = {
    "cumulativeoperatinghours": ("operating_hours", "hour", None, None),
    "cumulativeidlehours": ("idle_hours", "hour", None, None),
    # the name some OEMs (and the 2016 draft) give the idle meter
    "cumulativeidlenonoperatinghours": ("idle_hours", "hour", None, None),
    "cumulativepowertakeoffhours": ("pto_hours", "hour", None, None),
    "fuelused": ("fuel_used", "fuelconsumed", "fuelunits", LITRES),
    "fuelusedlast24": ("fuel_used_last_24", "fuelconsumed", "fuelunits", LITRES),
    "fuelremaining": ("fuel_remaining", "percent", None, None),
    "defremaining": ("def_remaining", "percent", None, None),
    "distance": ("distance", "odometer", "odometerunits", KILOMETRES),
}
SUITE_UNITS = {
    "operating_hours": "h",
    "idle_hours": "h",
    "pto_hours": "h",
    "fuel_used": "l",
    "fuel_used_last_24": "l",
    "fuel_remaining": "%",
    "def_remaining": "%",
    "distance": "km",
    "engine_status": None,
    "location": None,
}
ENGINE_SECTIONS = ("enginestatus", "enginecondition")
# root element of each time-series document -> the sections its pages repeat
TIME_SERIES_ROOTS = {
    "locations": "location",
    "cumulativeoperatinghours": "cumulativeoperatinghours",
    "cumulativeidlehours": "cumulativeidlehours",
    "cumulativeidlenonoperatinghours": "cumulativeidlenonoperatinghours",
    "cumulativepowertakeoffhours": "cumulativepowertakeoffhours",
    "fuelused": "fuelused",
    "fuelusedlast24": "fuelusedlast24",
    "fuelremaining": "fuelremaining",
    "defremaining": "defremaining",
    "distance": "distance",
    "enginecondition": "enginecondition",
    "enginestatus": "enginestatus",
}
HEADER_FIELDS = {
    "oemname": "oem_name",
    "model": "model",
    "equipmentid": "equipment_id",
    "serialnumber": "serial_number",
    "pin": "pin",
    "unitinstalldatetime": "unit_install_datetime",
}
_FRACTION = re.compile(r"(\.\d{1,6})\d*")


class AempError(Exception):
    """A document this module cannot read; ``code`` is stable for API clients."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Reading:
    kind: str
    value: float | bool | None
    unit: str | None
    datetime: datetime
    extra: dict = field(default_factory=dict)


@dataclass
class EquipmentSnapshot:
    header: dict
    readings: list = field(default_factory=list)


@dataclass
class Fleet:
    snapshot_time: datetime | None
    version: str | None
    links: dict
    equipment: list = field(default_factory=list)

    def to_json(self):
        """The fleet as a JSON-able dict (date-times as ISO 8601 UTC with Z)."""
        return _jsonable(asdict(self))


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


# ------------------------------------------------------------------ entry points
def parse_fleet(body, content_type):
    """A Fleet snapshot document (bytes) as a ``Fleet``."""
    return _fleet(*_load(body, content_type))


def fleet_from_json(document):
    """A Fleet snapshot already decoded from JSON (a flow's payload) as a
    ``Fleet``."""
    return _fleet(*_json_root(document))


def parse_time_series(body, content_type):
    """A time-series page of one machine (CumulativeOperatingHours, Locations,
    EngineCondition ...) as a ``Fleet`` holding that one machine's readings."""
    return _time_series(*_load(body, content_type))


def time_series_from_json(document):
    """A time-series page already decoded from JSON as a ``Fleet``."""
    return _time_series(*_json_root(document))


def _fleet(root_name, root):
    if root_name != "fleet":
        raise AempError(
            "not_a_fleet_document",
            f"The document's root is {root_name!r}, not an ISO 15143-3 Fleet.",
        )
    fleet = _fleet_head(root)
    fleet.equipment = [
        _equipment(item, f"Equipment[{index}]")
        for index, item in enumerate(_list(root.get("equipment")))
    ]
    return fleet


def _time_series(root_name, root):
    section = TIME_SERIES_ROOTS.get(root_name)
    if not section:
        raise AempError(
            "not_a_time_series_document",
            f"The document's root is {root_name!r}, not an ISO 15143-3 time series.",
        )
    fleet = _fleet_head(root)
    header = _header(root.get("equipmentheader"))
    readings = []
    for index, item in enumerate(_list(root.get(section))):
        reading = _reading(section, item, f"{section}[{index}]")
        if reading:
            readings.append(reading)
    fleet.equipment = [EquipmentSnapshot(header, readings)]
    return fleet


# ------------------------------------------------------------------ loading
def _load(body, content_type):
    """(lower-case root name, the root as a dict of lower-case keys)."""
    if not isinstance(body, bytes | bytearray):
        raise AempError("malformed", "The document must be given as bytes.")
    kind = (content_type or "").split(";")[0].strip().lower()
    if "xml" in kind:
        return _load_xml(bytes(body))
    if "json" in kind:
        return _load_json(bytes(body))
    head = bytes(body).lstrip()[:1]
    if not kind and head == b"<":
        return _load_xml(bytes(body))
    if not kind and head in (b"{", b"["):
        return _load_json(bytes(body))
    raise AempError(
        "unsupported_content_type",
        f"Content type {content_type!r} is neither XML nor JSON.",
    )


def _load_xml(body):
    root = parse_safely(body, AempError)
    namespace = etree.QName(root).namespace
    if namespace and not _known_namespace(namespace):
        raise AempError(
            "unknown_namespace",
            f"Namespace {namespace!r} is neither ISO 15143-3 nor JCMA's.",
        )
    return etree.QName(root).localname.lower(), _element(root, namespace)


def _known_namespace(namespace):
    return namespace == ISO_NAMESPACE or (
        namespace.startswith(JCMA_PREFIX) and "15143/-3" in namespace
    )


def _element(element, namespace):
    """An element as a dict: attributes and children (the standard's namespace only;
    vendor extensions are left out) by lower-case local name, repeated children
    as lists, leaves as their text."""
    result = {
        etree.QName(name).localname.lower(): value
        for name, value in element.attrib.items()
    }
    children = [
        child
        for child in element
        if isinstance(child.tag, str) and etree.QName(child).namespace == namespace
    ]
    if not children and not result:
        return (element.text or "").strip()
    for child in children:
        name = etree.QName(child).localname.lower()
        value = _element(child, namespace)
        if name in result:
            if not isinstance(result[name], list):
                result[name] = [result[name]]
            result[name].append(value)
        else:
            result[name] = value
    if not children and (element.text or "").strip():
        result["#text"] = element.text.strip()
    return result


def _load_json(body):
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise AempError("malformed", f"The JSON is not valid: {exc}") from exc
    return _json_root(document)


def _json_root(document):
    try:
        document = _lower_keys(document)
    except RecursionError as exc:
        raise AempError("malformed", "The JSON is nested too deep.") from exc
    if not isinstance(document, dict) or not document:
        raise AempError("not_a_fleet_document", "The JSON is not an object.")
    if len(document) == 1:
        ((name, root),) = document.items()
        if isinstance(root, dict):
            return name, root
    # some vendors serve the Fleet's members without the wrapping object
    if "equipment" in document:
        return "fleet", document
    raise AempError(
        "not_a_fleet_document",
        "The JSON holds no Fleet (or time-series) object.",
    )


def _lower_keys(value):
    if isinstance(value, dict):
        return {str(key).lower(): _lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_keys(item) for item in value]
    return value


# ------------------------------------------------------------------ sections
def _list(value):
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _fleet_head(root):
    links = {}
    for link in _list(root.get("links")):
        if (
            isinstance(link, dict)
            and _text(link.get("rel"))
            and _text(link.get("href"))
        ):
            links[_text(link["rel"]).lower()] = _text(link["href"])
    return Fleet(
        snapshot_time=_datetime(root.get("snapshottime"), "snapshotTime"),
        version=_text(root.get("version")),
        links=links,
    )


def _equipment(item, where):
    if not isinstance(item, dict):
        raise AempError("invalid_value", f"{where} is not an Equipment element.")
    header = _header(item.get("equipmentheader"))
    readings = []
    for name, value in item.items():
        if name == "location" or name in SECTIONS or name in ENGINE_SECTIONS:
            for index, section in enumerate(_list(value)):
                reading = _reading(name, section, f"{where}/{name}[{index}]")
                if reading:
                    readings.append(reading)
    return EquipmentSnapshot(header, readings)


def _header(value):
    value = value if isinstance(value, dict) else {}
    header = {}
    for name, key in HEADER_FIELDS.items():
        if key == "unit_install_datetime":
            header[key] = _datetime(value.get(name), "UnitInstallDateTime")
        else:
            header[key] = _placeholder(_text(value.get(name)))
    return header


def _reading(name, section, where):
    """The reading of one section, or None when the section holds no value."""
    if not isinstance(section, dict):
        return None
    if name == "location":
        return _location(section, where)
    if name in ENGINE_SECTIONS:
        running = _text(section.get("running"))
        if running is None:
            return None
        if running.lower() not in ("true", "false", "1", "0"):
            raise AempError("invalid_value", f"{where}/Running is {running!r}.")
        return Reading(
            "engine_status",
            running.lower() in ("true", "1"),
            None,
            _reading_time(section, where),
        )
    kind, value_name, unit_name, units = SECTIONS[name]
    number = _number(section.get(value_name), f"{where}/{value_name}")
    if number is None:
        return None
    extra = {}
    if units is not None:
        given = _text(section.get(unit_name))
        factor = units.get(_unit_key(given))
        if factor is None:
            raise AempError(
                "unknown_unit", f"{where} is in unit {given!r}, which is not known."
            )
        number *= factor
        extra["unit_given"] = given
    return Reading(
        kind, number, SUITE_UNITS[kind], _reading_time(section, where), extra
    )


def _location(section, where):
    latitude = _number(section.get("latitude"), f"{where}/Latitude")
    longitude = _number(section.get("longitude"), f"{where}/Longitude")
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise AempError(
            "invalid_value", f"{where} ({latitude}, {longitude}) is not on Earth."
        )
    extra = {"latitude": latitude, "longitude": longitude, "altitude": None}
    altitude = _number(section.get("altitude"), f"{where}/Altitude")
    if altitude is not None:
        given = _text(section.get("altitudeunits"))
        # the standard's default altitude unit is the metre
        factor = METRES.get(_unit_key(given)) if given else 1.0
        if factor is None:
            raise AempError(
                "unknown_unit", f"{where} altitude is in {given!r}, not known."
            )
        extra["altitude"] = altitude * factor
        extra["altitude_unit_given"] = given
    return Reading("location", None, None, _reading_time(section, where), extra)


def _unit_key(given):
    return re.sub(r"[^a-z]", "", (given or "").lower())


def _reading_time(section, where):
    # the date-time is an attribute ("datetime", "dateTime") or a child element
    value = _datetime(section.get("datetime"), f"{where}/datetime")
    if value is None:
        raise AempError("missing_datetime", f"{where} has no datetime.")
    return value


# ------------------------------------------------------------------ values
def _text(value):
    if isinstance(value, dict):
        value = value.get("#text")
    if value is None or isinstance(value, list | dict):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _placeholder(value):
    if value is None or value.lower() in PLACEHOLDERS:
        return None
    return value


def _number(value, where):
    if isinstance(value, bool):
        raise AempError("invalid_value", f"{where} is not a number.")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _text(value)
        if not text:
            return None
        try:
            number = float(text)
        except ValueError as exc:
            raise AempError(
                "invalid_value", f"{where} {text!r} is not a number."
            ) from exc
    if not math.isfinite(number):
        raise AempError("invalid_value", f"{where} is not a finite number.")
    return number


def _datetime(value, where):
    """An ISO 8601 date-time as naive UTC; None when missing or a placeholder."""
    text = _placeholder(_text(value))
    if text is None or text.startswith(NULL_DATES):
        return None
    try:
        parsed = datetime.fromisoformat(
            _FRACTION.sub(r"\1", text.replace("z", "Z").replace("Z", "+00:00"))
        )
        if parsed.tzinfo:
            parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError) as exc:
        raise AempError(
            "invalid_datetime", f"{where} {text!r} is not an ISO 8601 date-time."
        ) from exc
    return parsed
