"""Plain pytest tests of the ISO 15143-3 (AEMP 2.0) parser (no Odoo needed).

The fixtures are written from the standard's element names, in the ISO and JCMA
namespaces, with the date-time as an attribute and as a child element."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from ..lib.aemp import (
    AempError,
    fleet_from_json,
    parse_fleet,
    parse_time_series,
    time_series_from_json,
)

FIXTURES = Path(__file__).parent / "fixtures"
XML = "application/xml; charset=utf-8"
JSON = "application/json"


def _fixture(name):
    return (FIXTURES / name).read_bytes()


def _by_kind(snapshot):
    return {reading.kind: reading for reading in snapshot.readings}


def test_iso_namespace_with_attribute_datetimes():
    fleet = parse_fleet(_fixture("fleet_iso_attributes.xml"), XML)
    assert fleet.version == "1"
    assert fleet.snapshot_time == datetime(2026, 11, 30, 6, 0)
    assert fleet.links == {"self": "https://aemp.example.com/Fleet/1"}
    assert len(fleet.equipment) == 3
    excavator = fleet.equipment[0]
    assert excavator.header == {
        "oem_name": "CAT",
        "model": "336",
        "equipment_id": "EX-336-01",
        "serial_number": "CAT0336XKE1234",
        "pin": "CAT0336XKE1234",
        "unit_install_datetime": datetime(2024, 3, 1, 8, 0),
    }
    readings = _by_kind(excavator)
    assert set(readings) == {
        "location",
        "operating_hours",
        "idle_hours",
        "pto_hours",
        "fuel_used",
        "fuel_used_last_24",
        "fuel_remaining",
        "def_remaining",
        "distance",
        "engine_status",
    }
    at = datetime(2026, 11, 30, 5, 58)
    assert all(reading.datetime == at for reading in excavator.readings)
    assert (readings["operating_hours"].value, readings["operating_hours"].unit) == (
        1234.5,
        "h",
    )
    assert readings["idle_hours"].value == 210.25
    assert readings["pto_hours"].value == 12.0
    assert readings["fuel_used"].value == 15000.0
    assert readings["fuel_used"].unit == "l"
    assert readings["fuel_used"].extra == {"unit_given": "litre"}
    assert readings["fuel_used_last_24"].value == 142.5
    assert (readings["fuel_remaining"].value, readings["fuel_remaining"].unit) == (
        64.0,
        "%",
    )
    assert readings["def_remaining"].value == 80.0
    assert (readings["distance"].value, readings["distance"].unit) == (88.2, "km")
    assert readings["engine_status"].value is True
    assert readings["location"].extra == {
        "latitude": 47.3769,
        "longitude": 8.5417,
        "altitude": 408.0,
        "altitude_unit_given": "metre",
    }


def test_offsets_and_us_units_are_converted():
    loader = parse_fleet(_fixture("fleet_iso_attributes.xml"), XML).equipment[1]
    readings = _by_kind(loader)
    # 06:55 at +01:00 is 05:55 UTC
    assert readings["operating_hours"].datetime == datetime(2026, 11, 30, 5, 55)
    assert readings["fuel_used"].value == pytest.approx(3785.411784)
    assert readings["fuel_used"].extra == {"unit_given": "gallon"}
    assert readings["distance"].value == pytest.approx(160.9344)
    assert readings["engine_status"].value is False
    crane = parse_fleet(_fixture("fleet_iso_attributes.xml"), XML).equipment[2]
    assert crane.header["pin"] is None
    assert crane.header["unit_install_datetime"] is None


def test_jcma_namespace_with_child_datetimes_and_milliseconds():
    fleet = parse_fleet(_fixture("fleet_jcma_children.xml"), "text/xml")
    assert fleet.version == "20190501"
    assert fleet.snapshot_time == datetime(2026, 11, 30, 6, 0, 0, 123000)
    assert fleet.links["next"] == "https://jcma.example.com/Telematics/Fleet/2"
    assert fleet.links["last"] == "https://jcma.example.com/Telematics/Fleet/4"
    (machine,) = fleet.equipment
    # 0001-01-01T00:00:00Z is the JCMA placeholder for "not known"
    assert machine.header["unit_install_datetime"] is None
    assert machine.header["oem_name"] == "Komatsu"
    readings = _by_kind(machine)
    assert readings["operating_hours"].value == 233.7
    assert readings["operating_hours"].datetime == datetime(
        2026, 11, 30, 5, 58, 10, 123000
    )
    # seven fractional digits (.NET) are cut to microseconds
    assert readings["engine_status"].datetime == datetime(
        2026, 11, 30, 5, 58, 10, 123456
    )
    assert readings["location"].datetime == datetime(2026, 11, 30, 5, 58, 10, 500000)
    assert readings["location"].extra["altitude"] == pytest.approx(40.0, abs=0.01)
    assert readings["location"].extra["altitude_unit_given"] == "feet"
    assert readings["fuel_used"].extra == {"unit_given": "liter"}
    assert readings["distance"].value == pytest.approx(12.5)
    assert readings["def_remaining"].value == 55.0


def test_json_snapshot_matches_the_xml_one():
    from_json = parse_fleet(_fixture("fleet.json"), JSON)
    from_xml = parse_fleet(_fixture("fleet_iso_attributes.xml"), XML)
    assert from_json.links["next"] == "https://aemp.example.com/Fleet/2"
    assert from_json.equipment[0].header == from_xml.equipment[0].header
    json_readings = _by_kind(from_json.equipment[0])
    xml_readings = _by_kind(from_xml.equipment[0])
    for kind, reading in json_readings.items():
        assert reading == xml_readings[kind], kind
    # a number served as a string is read all the same
    assert _by_kind(from_json.equipment[1])["operating_hours"].value == 4521.0


def test_lower_case_json_with_single_objects():
    fleet = parse_fleet(_fixture("fleet_lowercase.json"), "application/json")
    assert fleet.links == {"self": "https://aggregator.example.com/fleet?page=1"}
    (machine,) = fleet.equipment
    assert machine.header["equipment_id"] == "EX-336-01"
    assert machine.header["oem_name"] == "CAT"
    readings = _by_kind(machine)
    assert readings["operating_hours"].value == 1234.5
    assert readings["fuel_used"].extra == {"unit_given": "Liters"}
    assert readings["engine_status"].value is False


def test_placeholders_become_none_and_empty_sections_no_reading():
    fleet = parse_fleet(_fixture("fleet_placeholders.xml"), XML)
    first, second = fleet.equipment
    assert first.header == {
        "oem_name": None,
        "model": None,
        "equipment_id": "RT-0001",
        "serial_number": None,
        "pin": None,
        "unit_install_datetime": None,
    }
    assert [r.kind for r in first.readings] == ["operating_hours"]
    assert second.header["oem_name"] is None
    assert second.readings == []


def test_time_series_page_with_links():
    page = parse_time_series(_fixture("operating_hours_page.xml"), XML)
    assert page.links["next"].endswith("/2")
    assert page.links["last"].endswith("/3")
    (machine,) = page.equipment
    assert machine.header["equipment_id"] == "EX-336-01"
    assert [(r.kind, r.value) for r in machine.readings] == [
        ("operating_hours", 1220.0),
        ("operating_hours", 1228.5),
    ]


def test_locations_and_engine_condition_pages():
    locations = parse_time_series(_fixture("locations_page.json"), JSON)
    machine = locations.equipment[0]
    assert [r.extra["latitude"] for r in machine.readings] == [35.6762, 35.677]
    engine = parse_time_series(_fixture("engine_condition_page.xml"), XML)
    assert [(r.kind, r.value) for r in engine.equipment[0].readings] == [
        ("engine_status", True),
        ("engine_status", False),
    ]


def test_to_json_is_plain_json():
    payload = parse_fleet(_fixture("fleet_jcma_children.xml"), XML).to_json()
    assert payload["snapshot_time"] == "2026-11-30T06:00:00.123000Z"
    assert payload["equipment"][0]["readings"][0]["kind"] == "location"


EVIL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Fleet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Fleet xmlns="http://standards.iso.org/iso/15143/-3"><Equipment><EquipmentHeader>
<OEMName>&xxe;</OEMName></EquipmentHeader></Equipment></Fleet>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Fleet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<Fleet><Equipment><EquipmentHeader><OEMName>&b;</OEMName></EquipmentHeader>
</Equipment></Fleet>"""


@pytest.mark.parametrize(
    "body, content_type, code",
    [
        (_fixture("fleet_malformed.txt"), XML, "malformed"),
        (b"", XML, "malformed"),
        (b"{not json", JSON, "malformed"),
        (EVIL_ENTITY, XML, "forbidden_dtd"),
        (LAUGHS, XML, "forbidden_dtd"),
        (_fixture("operating_hours_page.xml"), XML, "not_a_fleet_document"),
        (b'{"Fleet": 3}', JSON, "not_a_fleet_document"),
        (b"[]", JSON, "not_a_fleet_document"),
        (b'<Fleet xmlns="urn:other"/>', XML, "unknown_namespace"),
        (b"<Fleet/>", "text/plain", "unsupported_content_type"),
        (
            b"<Fleet><Equipment><CumulativeOperatingHours><Hour>1</Hour>"
            b"</CumulativeOperatingHours></Equipment></Fleet>",
            XML,
            "missing_datetime",
        ),
        (
            b'<Fleet><Equipment><CumulativeOperatingHours datetime="yesterday">'
            b"<Hour>1</Hour></CumulativeOperatingHours></Equipment></Fleet>",
            XML,
            "invalid_datetime",
        ),
        (
            b'<Fleet><Equipment><FuelUsed datetime="2026-11-30T00:00:00Z">'
            b"<FuelUnits>barrel</FuelUnits><FuelConsumed>1</FuelConsumed>"
            b"</FuelUsed></Equipment></Fleet>",
            XML,
            "unknown_unit",
        ),
        (
            b'{"Fleet": {"Equipment": [{"CumulativeOperatingHours": '
            b'{"datetime": "2026-11-30T00:00:00Z", "Hour": "NaN"}}]}}',
            JSON,
            "invalid_value",
        ),
        (
            b'{"Fleet": {"Equipment": [{"EngineStatus": '
            b'{"datetime": "2026-11-30T00:00:00Z", "Running": "maybe"}}]}}',
            JSON,
            "invalid_value",
        ),
        (b"[" * 100000, JSON, "malformed"),
    ],
)
def test_bad_documents_raise_a_stable_code(body, content_type, code):
    with pytest.raises(AempError) as raised:
        parse_fleet(body, content_type)
    assert raised.value.code == code


def test_time_series_refuses_a_fleet():
    with pytest.raises(AempError) as raised:
        parse_time_series(_fixture("fleet.json"), JSON)
    assert raised.value.code == "not_a_time_series_document"


def test_vendor_extensions_in_other_namespaces_are_ignored():
    body = (
        b'<Fleet xmlns="http://standards.iso.org/iso/15143/-3" xmlns:tu="urn:vendor">'
        b"<Equipment><EquipmentHeader><EquipmentID>E1</EquipmentID>"
        b"<tu:Metadata>x</tu:Metadata></EquipmentHeader>"
        b'<tu:CumulativeOperatingHours datetime="bad"/></Equipment></Fleet>'
    )
    (machine,) = parse_fleet(body, XML).equipment
    assert machine.header["equipment_id"] == "E1"
    assert machine.readings == []


def test_decoded_json_reads_as_the_body_does():
    # a flow's processor receives the JSON body decoded: the same reader applies
    body = _fixture("fleet_lowercase.json")
    assert fleet_from_json(json.loads(body)) == parse_fleet(body, JSON)
    page = _fixture("locations_page.json")
    assert time_series_from_json(json.loads(page)) == parse_time_series(page, JSON)
    with pytest.raises(AempError) as raised:
        fleet_from_json(["not", "a", "fleet"])
    assert raised.value.code == "not_a_fleet_document"
