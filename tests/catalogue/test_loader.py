"""The loader accepts the real catalogue and names the file and entry of every kind of bad one."""

import datetime as dt
import shutil

import pytest
import yaml

from service_catalogue.loader import (
    DEFAULT_DATA_DIR,
    LANGUAGES,
    CatalogueError,
    Problem,
    load_catalogue,
    load_documents,
    read_documents,
)


@pytest.fixture
def data(tmp_path):
    """A copy of the real catalogue to break."""
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def edit(data, name, change):
    path = data / f"{name}.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def broken(data, name, change):
    edit(data, name, change)
    with pytest.raises(CatalogueError) as error:
        load_catalogue(data)
    return str(error.value)


def test_the_real_catalogue_loads_and_covers_the_required_life_situations():
    cat = load_catalogue()
    required = {
        "KE1",
        "KE3",
        "KE4.1",
        "KE4.2",
        "KE4.3",
        "KE4.4",
        "KE5",
        "KE7",
        "KE8",
        "KE9",
        "KE10",
        "KE11",
        "KE12",
        "KE13",
        "KE14",
    }
    assert required <= set(cat.life_situations)
    assert {"AT 1", "LL 1", "SV 8", "TT 1", "OT 15", "Y 77", "Y 38", "5010"} <= set(cat.forms)
    assert cat.forms["AT 1"]["variants"] == {"fi": "AT 1", "sv": "AT 1r", "en": "AT 1e"}


def test_no_service_sends_anyone_to_an_authority_that_has_ended():
    cat = load_catalogue()
    ended = {a for a, entry in cat.authorities.items() if entry.get("ended")}
    assert "ely" in ended
    assert not [s for s in cat.services.values() if s["authority"] in ended]


def test_form_lookup_is_forgiving_about_spelling():
    cat = load_catalogue()
    for spelling in ["AT 1", "at1", "AT 1r", "at 1E", " AT  1 "]:
        assert cat.form(spelling)["code"] == "AT 1"
    assert cat.form("AT 99") is None


def test_missing_translation(data):
    message = broken(data, "forms", lambda d: d["forms"][0]["name"].pop("sv"))
    assert "forms.yml" in message and "'sv' is a required property" in message
    assert f"entry '{yaml.safe_load((data / 'forms.yml').read_text())['forms'][0]['code']}'" in message


def test_empty_translation(data):
    message = broken(data, "services", lambda d: d["services"][0]["description"].update(en=""))
    assert "services.yml" in message and "entry '" in message


def test_duplicate_form_code(data):
    message = broken(data, "forms", lambda d: d["forms"].append(dict(d["forms"][0])))
    assert "forms.yml" in message and "duplicate code" in message


def test_unknown_form_in_a_service(data):
    message = broken(data, "services", lambda d: d["services"][0]["forms"].append("AT 99"))
    assert "services.yml" in message and "unknown form 'AT 99'" in message


def test_unknown_service_in_a_life_situation(data):
    def change(d):
        d["life_situations"][0]["steps"].append({"service": "nonexistent", "note": dict.fromkeys(LANGUAGES, "x")})

    message = broken(data, "life_situations", change)
    assert "life_situations.yml" in message and "unknown service 'nonexistent'" in message


def test_service_of_an_ended_authority(data):
    message = broken(data, "services", lambda d: d["services"][0].update(authority="ely"))
    assert "ended on 2025-12-31" in message


def test_unknown_authority(data):
    message = broken(data, "forms", lambda d: d["forms"][0].update(authority="nobody"))
    assert "unknown authority 'nobody'" in message


def test_variant_of_another_form(data):
    message = broken(data, "forms", lambda d: d["forms"][0]["variants"].update(sv="ZZ 1r"))
    assert "is not a version of" in message


def test_intent_used_twice(data):
    def change(d):
        d["services"][1]["intent"] = d["services"][0].get("intent") or "service_x"
        d["services"][0]["intent"] = d["services"][1]["intent"]

    message = broken(data, "services", change)
    assert "is used twice" in message


def test_invalid_form_code(data):
    message = broken(data, "forms", lambda d: d["forms"][0].update(code="not a code"))
    assert "forms.yml" in message and "does not match" in message


def test_unknown_field(data):
    message = broken(data, "authorities", lambda d: d["authorities"][0].update(colour="red"))
    assert "authorities.yml" in message and "colour" in message


def test_bad_yaml_and_missing_file(data):
    (data / "forms.yml").write_text("forms: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"forms\.yml: not valid YAML"):
        load_catalogue(data)
    (data / "forms.yml").unlink()
    with pytest.raises(CatalogueError, match=r"forms\.yml: file is missing"):
        load_catalogue(data)


def test_the_real_booking_configuration_loads():
    cat = load_catalogue()
    assert [t["id"] for t in cat.booking["topics"]] == [
        "families",
        "housing",
        "studies",
        "unemployment",
        "pensions",
        "sickness_rehabilitation",
        "international",
    ]
    assert [r["id"] for r in cat.point["remote_rooms"]] == ["etapalveluhuone-1"]


def topic(d, topic_id):
    return next(t for t in d["topics"] if t["id"] == topic_id)


def test_booking_topic_with_an_unknown_service(data):
    message = broken(data, "booking", lambda d: topic(d, "housing")["services"].append("flying_licence"))
    assert message == "booking.yml: entry 'housing': unknown service 'flying_licence'"


def test_booking_topic_with_an_unknown_life_situation(data):
    message = broken(data, "booking", lambda d: topic(d, "studies")["life_situations"].append("KE99"))
    assert "booking.yml: entry 'studies': unknown life situation 'KE99'" in message


def test_booking_service_in_two_topics(data):
    message = broken(data, "booking", lambda d: topic(d, "studies")["services"].append("housing_allowance"))
    assert "booking.yml: entry 'studies': service 'housing_allowance' already leads to topic 'housing'" in message


def test_booking_calendar_with_an_unknown_topic(data):
    message = broken(data, "booking", lambda d: d["calendars"][0].update(topic="astrology"))
    assert message == "booking.yml: entry 'families_fi': unknown topic 'astrology'"


def test_booking_calendar_with_an_unknown_kind_or_language(data):
    message = broken(data, "booking", lambda d: d["calendars"][1].update(kinds=["phone", "letter"]))
    assert "booking.yml: entry 'families_sv'" in message and "'letter' is not one of" in message
    message = broken(data, "booking", lambda d: d["calendars"][1].update(language="de", kinds=["phone"]))
    assert "booking.yml: entry 'families_sv'" in message


def test_booking_duplicate_calendar(data):
    message = broken(data, "booking", lambda d: d["calendars"].append(dict(d["calendars"][0])))
    assert "booking.yml: entry 'families_fi': duplicate id" in message


def test_booking_topic_missing_a_translation(data):
    message = broken(data, "booking", lambda d: topic(d, "pensions")["name"].pop("sv"))
    assert "booking.yml: entry 'pensions'" in message and "'sv' is a required property" in message


def test_booking_hours_off_the_slot_grid_or_backwards(data):
    message = broken(data, "booking", lambda d: d["kinds"]["phone"]["hours"].update(mon=["09:15-16:00"]))
    assert "booking.yml: entry 'phone': hours on mon are not on the 30-minute slot grid" in message
    message = broken(data, "booking", lambda d: d["calendars"][0].update(hours={"tue": ["12:00-10:00"]}))
    assert "booking.yml: entry 'families_fi': hours on tue end before they start" in message
    message = broken(data, "booking", lambda d: d["kinds"]["remote"]["hours"].update(mon=["9-15"]))
    assert "booking.yml" in message and "kinds/remote/hours/mon/0" in message


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"slot_minutes": 25}, "booking.yml: slot_minutes: 25 is not one of"),
        ({"timezone": "Europe/Espoo"}, "booking.yml: timezone: unknown time zone 'Europe/Espoo'"),
        ({"holiday_country": "XX"}, "booking.yml: holiday_country: 'XX' is not known"),
        ({"closed_days": ["2026-02-30"]}, "booking.yml: closed_days: '2026-02-30' is not a date"),
    ],
)
def test_booking_bad_settings(data, change, expected):
    assert expected in broken(data, "booking", lambda d: d.update(change))


def test_booking_display_format_with_an_unknown_field(data):
    message = broken(data, "booking", lambda d: d["display"]["sv"].update(slot="{weekday} {dag}"))
    assert "booking.yml: display: sv slot: unknown field '{dag}'" in message


def test_point_remote_room_hours(data):
    def change(d):
        d["point"]["remote_rooms"][0]["hours"]["wed"] = ["09:00-16:10"]

    message = broken(data, "point", change)
    assert "point.yml: entry 'etapalveluhuone-1': hours on wed are not on the 30-minute slot grid" in message


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda p: p.pop("hours"), "point.yml: point: 'hours' is a required property"),
        (lambda p: p["hours"].update(tue=["9-16"]), "point.yml"),
        (
            lambda p: p["hours"].update(tue=["16:00-09:00"]),
            "point.yml: entry 'example-point': hours on tue end before they start",
        ),
    ],
)
def test_point_opening_hours_are_machine_readable_and_run_forwards(data, change, expected):
    assert expected in broken(data, "point", lambda d: change(d["point"]))


# Standard service lists: which categories belong to which authority (issue 14)


def test_kela_list_follows_seed_002_and_is_the_only_verified_one():
    """Kela's categories are seed 002's eight in its order; the other lists say they are unconfirmed."""
    cat = load_catalogue()
    assert cat.categories_for("kela") == [
        "advice",
        "e_service_guidance",
        "remote_service",
        "appointment_booking",
        "receive_documents",
        "hand_out_material",
        "feedback",
        "other",
    ]
    lists = yaml.safe_load((DEFAULT_DATA_DIR / "advisor_tasks.yml").read_text(encoding="utf-8"))["standard_services"]
    assert {e["authority"] for e in lists if e["verified"]} == {"kela"}


def test_valid_pair_refuses_kela_advice_for_dvv_and_unknown_authorities():
    """The issue's impossible pair (DVV with Kela advice) is invalid; an ended or unknown authority has no list."""
    cat = load_catalogue()
    assert cat.valid_pair("kela", "advice")
    assert not cat.valid_pair("dvv", "advice")
    assert cat.valid_pair("dvv", "receive_documents")
    assert not cat.valid_pair("ely", "other")
    assert not cat.valid_pair("nowhere", "other")
    assert cat.categories_for("nowhere") == []


def test_category_names_use_the_authoritys_own_wording():
    """DVV's document receipt is not named as Kela's; a category without its own wording has the task's name."""
    cat = load_catalogue()
    assert cat.category_name("dvv", "receive_documents", "fi") == "Asiakirjojen vastaanotto"
    assert "Kela" in cat.category_name("kela", "receive_documents", "fi")
    assert cat.category_name("dvv", "other", "sv") == cat.advisor_tasks["other"]["name"]["sv"]
    assert cat.category_name(None, "gone", "en") == "gone"


def test_every_working_authority_can_carry_what_is_recorded_for_any_authority():
    """Feedback, receipts and form cards name any working authority, so each list has those categories."""
    cat = load_catalogue()
    for authority in cat.active_authorities(dt.date(2026, 12, 1)):
        for category in ("feedback", "receive_documents", "hand_out_material"):
            assert cat.valid_pair(authority, category), (authority, category)


def test_bad_standard_lists_are_refused_naming_the_list(data):
    """An unknown category, a missing required one or a duplicate names the authority's list."""
    message = broken(
        data, "advisor_tasks", lambda d: d["standard_services"][0]["services"].append({"category": "nonsense"})
    )
    assert "standard list of 'kela': unknown category 'nonsense'" in message
    message = broken(
        data,
        "advisor_tasks",
        lambda d: d["standard_services"][0].update(services=[{"category": "advice"}, {"category": "advice"}]),
    )
    assert "standard list of 'kela': duplicate category 'advice'" in message


def test_a_working_authority_without_feedback_is_refused(data):
    """A list that lacks feedback would make a customer's rating unrecordable, so the loader refuses it."""
    message = broken(
        data, "advisor_tasks", lambda d: d["standard_services"][0].update(services=[{"category": "hand_out_material"}])
    )
    assert "standard list of 'kela': missing category 'feedback'" in message


# Structured problems: file, entry, dotted field path and a stable code for each (issue 15)


def problems_of(documents):
    with pytest.raises(CatalogueError) as error:
        load_documents(documents)
    return error.value.problems


def test_read_then_load_is_load_catalogue():
    documents = read_documents(DEFAULT_DATA_DIR)
    assert set(documents) >= {"forms", "services", "life_situations", "point"}
    cat = load_documents(documents)
    assert cat.forms.keys() == load_catalogue().forms.keys()
    # The catalogue keeps its own copy: changing the documents afterwards changes nothing.
    documents["forms"]["forms"][0]["name"]["fi"] = "changed"
    assert cat.forms[documents["forms"]["forms"][0]["code"]]["name"]["fi"] != "changed"


def test_a_schema_problem_names_the_field_inside_the_entry():
    documents = read_documents()
    form = documents["forms"]["forms"][0]
    form["name"].pop("sv")
    [problem] = problems_of(documents)
    where = (problem.file, problem.entry, problem.field, problem.code)
    assert where == ("forms.yml", form["code"], "name.sv", "schema")
    assert problem.message.startswith(f"forms.yml: entry '{form['code']}': 'sv' is a required property")


def test_a_cross_reference_problem_names_the_step():
    documents = read_documents()
    situation = documents["life_situations"]["life_situations"][0]
    situation["steps"][2]["service"] = "test_no_such_service"
    [problem] = problems_of(documents)
    assert problem == Problem(
        "life_situations.yml",
        situation["code"],
        "steps.2.service",
        "unknown_service",
        f"life_situations.yml: entry '{situation['code']}': unknown service 'test_no_such_service'",
    )
    assert problem.params == {"service": "test_no_such_service"}


def test_every_problem_is_reported_and_the_message_joins_them():
    documents = read_documents()
    documents["services"]["services"][0]["forms"].append("TEST 901")
    documents["forms"]["forms"][0]["authority"] = "test_nobody"
    with pytest.raises(CatalogueError) as error:
        load_documents(documents)
    codes = [(p.code, p.field) for p in error.value.problems]
    assert ("unknown_form", f"forms.{len(documents['services']['services'][0]['forms']) - 1}") in codes
    assert ("unknown_authority", "authority") in codes
    assert str(error.value) == "\n".join(p.message for p in error.value.problems)


def test_duplicates_and_twice_used_intents_have_codes():
    documents = read_documents()
    services = documents["services"]["services"]
    services.append(dict(services[0]))
    situations = documents["life_situations"]["life_situations"]
    situations[1]["intent"] = situations[0]["intent"]
    codes = {(p.code, p.field) for p in problems_of(documents)}
    assert {("duplicate_key", "id"), ("intent_used_twice", "intent")} <= codes


def test_a_missing_document_is_a_problem_not_a_crash():
    documents = read_documents()
    del documents["sami"]
    [problem] = problems_of(documents)
    assert (problem.file, problem.code) == ("sami.yml", "file_missing")


def test_a_plain_message_still_makes_an_error():
    error = CatalogueError("services.yml: something")
    assert str(error) == "services.yml: something" and error.problems[0].code == "error"
