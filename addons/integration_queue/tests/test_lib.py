"""Plain pytest tests of the hub's pure helpers (no Odoo needed)."""

import random

import pytest

from ..lib.backoff import retry_delay
from ..lib.datetimes import naive_utc
from ..lib.errors import PROBLEMS, IntegrationParseError, problem
from ..lib.openapi import build_openapi
from ..lib.processor import (
    find_parser,
    find_processor,
    integration_parser,
    integration_processor,
)
from ..lib.signature import SignatureError, generate_secret, sign, verify
from ..lib.text import decode_xml, encode_xml, json_problem, storable, unstorable
from ..lib.xml_document import xml_to_dict


def test_signature_round_trip_and_rotation():
    secret = generate_secret()
    header = sign(secret, "msg_1", 1700000000, b'{"a":1}')
    assert header.startswith("v1,")
    assert verify(secret, "msg_1", "1700000000", header, b'{"a":1}', now=1700000100)
    # during a rotation the sender signs with both secrets
    old = generate_secret()
    both = (
        sign(old, "msg_1", 1700000000, b"x")
        + " "
        + sign(secret, "msg_1", 1700000000, b"x")
    )
    assert verify(secret, "msg_1", 1700000000, both, b"x", now=1700000000)


def test_standard_webhooks_reference_vector():
    # the example of the Standard Webhooks specification's reference libraries
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert (
        sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


@pytest.mark.parametrize(
    "change, code",
    [
        ({"body": b"tampered"}, "invalid_signature"),
        ({"msg_id": "other"}, "invalid_signature"),
        ({"now": 1700000000 + 301}, "signature_timestamp_out_of_tolerance"),
        ({"now": 1700000000 - 301}, "signature_timestamp_out_of_tolerance"),
        ({"timestamp": "yesterday"}, "invalid_signature"),
        ({"header": ""}, "invalid_signature"),
    ],
)
def test_signature_rejections(change, code):
    secret = generate_secret()
    args = {
        "msg_id": "msg_1",
        "timestamp": "1700000000",
        "header": sign(secret, "msg_1", 1700000000, b"body"),
        "body": b"body",
        "now": 1700000000,
    }
    args.update(change)
    with pytest.raises(SignatureError) as err:
        verify(
            secret,
            args["msg_id"],
            args["timestamp"],
            args["header"],
            args["body"],
            now=args["now"],
        )
    assert err.value.code == code


def test_backoff_is_bounded_and_jittered():
    rng = random.Random(7)
    delays = [
        retry_delay(attempt, base=10, cap=100, rng=rng) for attempt in range(1, 9)
    ]
    assert 5 <= delays[0] <= 10
    assert 10 <= delays[1] <= 20
    assert all(50 <= d <= 100 for d in delays[4:])
    assert len(set(delays)) == len(delays)


def test_every_problem_has_a_status_and_title():
    for code, (status, title) in PROBLEMS.items():
        body = problem(code, "detail")
        assert body["status"] == status and body["title"] == title
        assert 400 <= status < 600


def test_processor_lookup_only_finds_decorated_methods():
    class Model:
        @integration_processor("job.upsert")
        def _process_job(self, message, payload):
            return None

        def _process_other(self, message, payload):
            return None

    assert find_processor(Model, "job.upsert") == "_process_job"
    assert find_processor(Model, "other") is None


def test_openapi_lists_every_flow_and_error():
    spec = build_openapi(
        [{"code": "job.upsert", "name": "Job", "json_schema": {"type": "object"}}],
        "1.0.0",
        "http://127.0.0.1:8069/api/construction/v1",
    )
    post = spec["paths"]["/flows/job.upsert"]["post"]
    assert {"202", "409", "422", "429"} <= set(post["responses"])
    assert "JobUpsertPayload" in spec["components"]["schemas"]


def test_texts_postgresql_cannot_hold():
    assert unstorable("plain é €") is None
    assert unstorable("a\x00b") == "\x00"
    assert unstorable("lone \ud800") == "\ud800"
    assert storable("a\x00b\udfff") == "a\\u0000b\\udfff"
    assert storable("fine 🚧") == "fine 🚧"
    assert json_problem({"a": [1, "ok", {"b": None}]}, 5) is None
    assert "/a/1" in json_problem({"a": [1, "x\x00"]}, 5)
    assert "key" in json_problem({"k\ud800": 1}, 5).lower()
    deep = []
    for _level in range(100_000):  # iterative: no RecursionError here
        deep = [deep]
    assert "deeper than 64" in json_problem(deep, 64)


def test_parsers_are_found_by_their_declared_name_only():
    class Model:
        @integration_parser("reading_xml")
        def _parse_reading(self, document, content_type):
            return {}

        def _parse_other(self, document, content_type):
            return {}

    assert find_parser(Model, "reading_xml") == "_parse_reading"
    assert find_parser(Model, "_parse_other") is None


def test_xml_text_round_trips_in_its_declared_encoding():
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><a>Zürich</a>'
    assert decode_xml(latin.encode("latin-1")) == latin
    assert encode_xml(latin) == latin.encode("latin-1")
    assert decode_xml("\ufeff<a>é</a>".encode()) == "<a>é</a>"
    with pytest.raises(ValueError):
        decode_xml(b"<a>\xff</a>")
    # an encoding Python does not know: read as UTF-8, the parser judges the rest
    assert decode_xml(b'<?xml version="1.0" encoding="x-nope"?><a/>').endswith("<a/>")


def test_xml_to_dict_reads_plain_data_and_refuses_entities():
    document = b'<r xmlns="urn:x" id="7"><h>1</h><h>2</h><e/></r>'
    assert xml_to_dict(document) == {"r": {"@id": "7", "h": ["1", "2"], "e": ""}}
    for bad, code in (
        (b"<r><h>1</r>", "malformed"),
        (b"", "malformed"),
        (b'<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>', "forbidden_dtd"),
    ):
        with pytest.raises(IntegrationParseError) as raised:
            xml_to_dict(bad)
        assert raised.value.code == code


def test_naive_utc_reads_every_zone_as_odoo_stores_it():
    from datetime import datetime

    expected = datetime(2026, 11, 30, 14, 5)
    for text in (
        "2026-11-30T14:05:00Z",
        "2026-11-30T14:05:00+00:00",
        "2026-11-30T15:05:00+01:00",
        "2026-11-30T14:05:00",
    ):
        assert naive_utc(text) == expected, text
    assert naive_utc("2026-11-30T14:05:00.250Z").microsecond == 250000
    with pytest.raises(ValueError):
        naive_utc("30/11/2026")
    with pytest.raises(OverflowError):
        naive_utc("0001-01-01T00:00:00+01:00")
