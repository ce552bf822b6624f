"""Reading a PTV open API v11 file and comparing it with the catalogue (the invented Testikunta fixture)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from service_catalogue import ptv
from service_catalogue.loader import DEFAULT_DATA_DIR, LANGUAGES

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ptv" / "testikunta.json"
I18N = Path(__file__).resolve().parents[2] / "kiosk_ui" / "i18n"
ORG = "8186cdea-e0fc-4ac0-b18e-16ff2571db5d"
PARKING = "98cc14be-75a6-413c-b8e4-f602ab78e5da"
LIBRARY = "c25dc9bd-1597-4483-b9d3-ee09d3744a3e"
CHANNEL = "3d8c8bf7-93da-485a-b613-6d26604809dc"


@pytest.fixture(scope="module")
def words() -> ptv.HoursWords:
    section = {lang: yaml.safe_load((I18N / f"ptv.{lang}.yml").read_text("utf-8"))["ptv"] for lang in LANGUAGES}
    return ptv.HoursWords.from_texts(section)


@pytest.fixture
def documents() -> dict:
    return {
        name: yaml.safe_load((DEFAULT_DATA_DIR / f"{name}.yml").read_text("utf-8"))
        for name in ("services", "authorities", "point")
    }


def fixture() -> list:
    return json.loads(FIXTURE.read_text("utf-8"))


def by_ref(proposals: list[ptv.Proposal]) -> dict[str, ptv.Proposal]:
    return {p.ref: p for p in proposals}


def test_the_fixture_gives_two_published_services_and_the_location_channel():
    result = ptv.read(FIXTURE.read_bytes())
    assert [s.ptv_id for s in result.services] == [PARKING, LIBRARY]
    assert result.skipped == 2  # the draft service and the phone channel
    parking = result.services[0]
    assert parking.names == {
        "fi": "Asukaspysäköintitunnus (Testikunta)",
        "sv": "Boendeparkeringstillstånd (Testikunta)",
        "en": "Resident parking permit (Testikunta)",
    }
    assert parking.descriptions["fi"].startswith("Testiaineistoa. Testikunnan asukas")  # the Summary, not Description
    assert parking.organization_id == ORG and parking.organization_name == "Testikunta"
    assert parking.languages == ["fi", "sv", "en"]
    library = result.services[1]
    assert library.descriptions["fi"].startswith("Testiaineistoa. Testikunnan kirjasto")  # Description without Summary
    assert "sv" not in library.names


def test_the_location_channel_gives_name_address_hours_languages_and_contacts():
    location = ptv.read(FIXTURE.read_bytes()).location
    assert location is not None and location.ptv_id == CHANNEL
    assert location.names["sv"] == "Testikunta samservicepunkt"
    assert location.addresses == {
        "fi": "Testitie 1, 99999 Testikunta",
        "sv": "Testvägen 1, 99999 Testikunta",
        "en": "Testitie 1, 99999 Testikunta",
    }
    assert location.hours == {
        "mon": ["09:00-16:00"],
        "tue": ["09:00-16:00"],
        "wed": ["09:00-16:00"],
        "thu": ["09:00-16:00"],
        "fri": ["09:00-14:30"],
    }
    assert location.languages == ["fi", "sv", "en"]
    assert location.phone == "+358 0000000" and location.email == "asiointipiste@testikunta.invalid"
    assert location.notes == ["exceptional_hours"]


def test_a_single_service_a_page_and_a_list_are_all_read():
    service = fixture()[0]["itemList"][0]
    assert [s.ptv_id for s in ptv.parse(service).services] == [PARKING]
    assert [s.ptv_id for s in ptv.parse({"itemList": [service]}).services] == [PARKING]
    assert ptv.parse([fixture()[1]]).location.ptv_id == CHANNEL  # type: ignore[union-attr]
    # Several files: the services of one and the channel of another.
    both = ptv.parse(fixture()[0], fixture()[1])
    assert len(both.services) == 2 and both.location is not None


def test_general_description_texts_stand_in_only_for_missing_ones():
    service = copy.deepcopy(fixture()[0]["itemList"][1])  # the library service: no Swedish texts
    service["serviceDescriptions"] += [
        {"value": "GD-text på svenska (testdata)", "type": "GD_Summary", "language": "sv"},
        {"value": "GD-teksti (testiaineistoa)", "type": "GD_Summary", "language": "fi"},
    ]
    descriptions = ptv.parse(service).services[0].descriptions
    assert descriptions["sv"] == "GD-text på svenska (testdata)"
    assert descriptions["fi"].startswith("Testiaineistoa. Testikunnan kirjasto")


def test_hours_in_words_group_days_with_the_same_hours(words):
    hours = {
        "mon": ["09:00-16:00"],
        "tue": ["09:00-16:00"],
        "wed": ["09:00-12:00", "13:00-16:00"],
        "sat": ["10:00-14:00"],
    }
    assert ptv.hours_text(hours, "fi", words) == "ma–ti klo 9–16, ke klo 9–12, 13–16, la klo 10–14"
    assert ptv.hours_text({"fri": ["09:30-14:00"]}, "sv", words) == "fre kl. 9.30–14"
    assert ptv.hours_text({"mon": ["09:00-16:00"], "tue": ["09:00-16:00"]}, "en", words) == "Mon–Tue 9:00–16:00"
    # The example point's own text is what the import writes for its hours.
    weekdays = {day: ["09:00-16:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    assert ptv.hours_text(weekdays, "fi", words) == "ma–pe klo 9–16"
    assert ptv.hours_text(weekdays, "sv", words) == "mån–fre kl. 9–16"


def test_opening_hours_in_force_always_open_closed_and_midnight():
    def hours(*entries: dict) -> dict | None:
        channel = copy.deepcopy(fixture()[1])
        channel["serviceHours"] = list(entries)
        return ptv._location(channel, dt.date(2026, 12, 1)).hours

    summer = {
        "serviceHourType": "DaysOfTheWeek",
        "validFrom": "2026-06-01T00:00:00",
        "validTo": "2026-08-31T00:00:00",
        "openingHour": [{"dayFrom": "Monday", "dayTo": "Friday", "from": "10:00", "to": "14:00"}],
    }
    assert hours(summer) is None  # not in force on 1 December
    always = {"serviceHourType": "DaysOfTheWeek", "validForNow": True, "isAlwaysOpen": True}
    assert hours(always) == {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    closed = {"serviceHourType": "DaysOfTheWeek", "validForNow": True, "isClosed": True}
    assert hours(closed) == {}
    late = {
        "serviceHourType": "DaysOfTheWeek",
        "validForNow": True,
        "openingHour": [
            {"dayFrom": "Saturday", "dayTo": "Sunday", "from": "12:00", "to": "00:00"},
            {"dayFrom": "Friday", "from": "22:00", "to": "02:00"},
        ],
    }
    assert hours(late) == {"sat": ["12:00-24:00"], "sun": ["12:00-24:00"]}
    bad = {
        "serviceHourType": "DaysOfTheWeek",
        "validForNow": True,
        "openingHour": [{"dayFrom": "Monday", "from": "9", "to": "x"}],
    }
    with pytest.raises(ptv.PtvError) as refused:
        hours(bad)
    assert refused.value.code == "bad_hours"


def test_compare_with_the_example_catalogue_new_services_a_draft_authority_and_the_point_differs(words, documents):
    proposals = by_ref(ptv.compare(ptv.read(FIXTURE.read_bytes()), documents, words, ptv.point_fields()))
    assert list(proposals) == [
        "authority:ptv_org_8186cdea",
        "service:ptv_98cc14be",
        "service:ptv_c25dc9bd",
        "point:point",
    ]
    authority = proposals["authority:ptv_org_8186cdea"]
    assert authority.status == "new" and authority.notes == ["authority_incomplete"]
    assert authority.entry["verified"] is False and authority.entry["name"] == {"fi": "Testikunta", "sv": "", "en": ""}
    assert authority.entry["url"] == {"fi": "", "sv": "", "en": ""}  # the editor must complete it
    parking = proposals["service:ptv_98cc14be"]
    assert parking.status == "new" and parking.needs == [("authority", "ptv_org_8186cdea")]
    assert parking.entry["authority"] == "ptv_org_8186cdea" and parking.entry["verified"] is False
    assert parking.entry["note"] == f"PTV {PARKING}" and parking.entry["channels"] == []
    assert proposals["service:ptv_c25dc9bd"].notes == ["missing_language"]
    assert proposals["service:ptv_c25dc9bd"].entry["name"]["sv"] == ""
    point = proposals["point:point"]
    assert point.status == "differs"
    changed = {c.field: (c.before, c.after) for c in point.changes}
    assert changed["name.fi"] == ("Esimerkkikunnan asiointipiste", "Testikunnan asiointipiste")
    assert changed["hours.fri"] == (["09:00-16:00"], ["09:00-14:30"])
    assert changed["opening_hours.fi"] == ("ma–pe klo 9–16", "ma–to klo 9–16, pe klo 9–14.30")
    assert "hours.mon" not in changed and "capabilities" not in changed  # what PTV agrees with or lacks stays
    assert point.entry["capabilities"] == documents["point"]["point"]["capabilities"]
    assert point.languages == ["fi", "sv", "en"]


def test_the_point_keeps_languages_only_when_the_schema_has_the_field(words, documents):
    file = ptv.read(FIXTURE.read_bytes())
    without = by_ref(ptv.compare(file, documents, words, {"name", "address"}))["point:point"]
    assert "languages" not in without.entry and "languages_not_stored" in without.notes
    with_field = by_ref(ptv.compare(file, documents, words, {"name", "address", "languages"}))["point:point"]
    assert with_field.entry["languages"] == ["fi", "sv", "en"]


def test_a_published_import_is_the_same_and_a_changed_name_differs(words, documents):
    file = ptv.read(FIXTURE.read_bytes())
    proposals = ptv.compare(file, documents, words)
    for proposal in proposals:  # as if every entry had been accepted and published
        if proposal.kind == "point":
            documents["point"]["point"] = proposal.entry
        elif proposal.kind == "authority":
            documents["authorities"]["authorities"].append(proposal.entry)
        else:
            documents["services"]["services"].append(proposal.entry)
    again = by_ref(ptv.compare(file, documents, words))
    assert {p.status for p in again.values()} == {"same"}
    assert "authority:ptv_org_8186cdea" not in again  # the organisation is now a known authority
    changed = fixture()
    changed[0]["itemList"][0]["serviceNames"][1]["value"] = "Boendeparkering (Testikunta)"
    differs = by_ref(ptv.compare(ptv.parse(changed), documents, words))["service:ptv_98cc14be"]
    assert differs.status == "differs"
    assert [(c.field, c.before, c.after) for c in differs.changes] == [
        ("name.sv", "Boendeparkeringstillstånd (Testikunta)", "Boendeparkering (Testikunta)")
    ]


def test_an_existing_service_tied_by_its_note_keeps_its_own_fields_and_languages_ptv_lacks(words, documents):
    service = documents["services"]["services"][0]
    service["note"] = f"PTV {LIBRARY}"
    proposals = by_ref(ptv.compare(ptv.read(FIXTURE.read_bytes()), documents, words))
    library = proposals[f"service:{service['id']}"]
    assert library.status == "differs"
    assert library.entry["name"]["sv"] == service["name"]["sv"]  # PTV has no Swedish name: the catalogue's stays
    assert library.entry["forms"] == service["forms"] and library.entry["intent"] == service["intent"]
    assert {c.field for c in library.changes} >= {"name.fi", "name.en", "authority"}


def test_an_organisation_is_matched_to_an_authority_by_name(words, documents):
    changed = fixture()
    service = changed[0]["itemList"][0]
    service["mainOrganization"]["name"] = "Kunta"  # the example catalogue's municipality authority's name
    proposals = by_ref(ptv.compare(ptv.parse(service), documents, words))
    assert proposals["service:ptv_98cc14be"].entry["authority"] == "municipality"
    assert proposals["service:ptv_98cc14be"].needs == []
    del service["mainOrganization"], service["organizations"]
    orphan = by_ref(ptv.compare(ptv.parse(service), documents, words))["service:ptv_98cc14be"]
    assert orphan.entry["authority"] == "" and "no_organisation" in orphan.notes


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"{not json", "not_json"),
        (b"\xff\xfe\x00", "not_json"),
        (b'{"hello": "world"}', "not_ptv"),
        (b"[1, 2, 3]", "not_ptv"),
        (b'{"itemList": []}', "not_ptv"),
        (b"[" * 100000 + b"]" * 100000, "not_json"),
        (json.dumps({"id": "not-a-guid", "serviceNames": []}).encode(), "not_ptv"),
    ],
)
def test_bad_input_is_refused_with_a_reason(data, code):
    with pytest.raises(ptv.PtvError) as refused:
        ptv.read(data)
    assert refused.value.code == code


def test_size_length_and_count_limits():
    with pytest.raises(ptv.PtvError) as refused:
        ptv.read(b" " * (ptv.MAX_FILE_BYTES + 1))
    assert refused.value.code == "too_big"
    service = fixture()[0]["itemList"][0]
    long = copy.deepcopy(service)
    long["serviceNames"][0]["value"] = "x" * (ptv.MAX_TEXT + 1)
    with pytest.raises(ptv.PtvError) as refused:
        ptv.parse(long)
    assert refused.value.code == "too_long"
    many = [dict(service, id=f"00000000-0000-4000-8000-{n:012d}") for n in range(ptv.MAX_SERVICES + 1)]
    with pytest.raises(ptv.PtvError) as refused:
        ptv.parse(many)
    assert refused.value.code == "too_many"
    other = dict(fixture()[1], id="00000000-0000-4000-8000-000000000001")
    with pytest.raises(ptv.PtvError) as refused:
        ptv.parse([fixture()[1], other])
    assert refused.value.code == "many_locations"


def test_the_parsed_file_survives_dump_and_load():
    file = ptv.read(FIXTURE.read_bytes())
    assert ptv.PtvFile.load(json.loads(json.dumps(file.dump()))) == file
