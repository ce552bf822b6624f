"""When the assistant calls the advisor, over the REST channel against the trained model and real actions.

Whether a web customer gets a live chat depends on the clock (the point's opening hours). Instead of a
clock the tests could set, this module runs its own stack on a copy of the catalogue whose point is
open round the clock: the catalogue is data and CATALOGUE_DIR already chooses it, so the code under
test is the shipped code. Public holidays stay closed, so on one of those the live test expects
"closed" instead (the hour logic itself is unit-tested with fixed times in tests/actions).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from zoneinfo import ZoneInfo

import holidays
import pytest
import yaml

from service_catalogue.loader import DEFAULT_DATA_DIR, WEEKDAYS
from store.cases import CaseStore
from tests.e2e.conftest import Stack, running
from tests.e2e.test_booking import press_first_until_booked
from tests.e2e.test_conversations import customs, text

POINT = "example-point"


class OpenPointStack(Stack):
    """A stack whose action server reads a catalogue copy where the point never closes."""

    def __init__(self, tmp, catalogue_dir):
        super().__init__(tmp)
        self.catalogue_dir = catalogue_dir

    def env(self) -> dict:
        return {**super().env(), "CATALOGUE_DIR": str(self.catalogue_dir)}

    def cases(self, sender: str) -> list[dict]:
        return [c for c in CaseStore(f"sqlite:///{self.app_db}").list_cases() if c["conversation_id"] == sender]


def always_open_catalogue(target):
    """A copy of the real catalogue with the point open 00:00-24:00 every day and no extra closed days."""
    shutil.copytree(DEFAULT_DATA_DIR, target)
    point = yaml.safe_load((target / "point.yml").read_text(encoding="utf-8"))
    point["point"]["hours"] = {day: ["00:00-24:00"] for day in WEEKDAYS}
    (target / "point.yml").write_text(yaml.safe_dump(point, allow_unicode=True), encoding="utf-8")
    booking = yaml.safe_load((target / "booking.yml").read_text(encoding="utf-8"))
    booking["closed_days"] = []
    (target / "booking.yml").write_text(yaml.safe_dump(booking, allow_unicode=True), encoding="utf-8")
    return booking


@pytest.fixture(scope="module")
def open_stack(tmp_path_factory):
    """Rasa and the action server on the always-open catalogue, for this module."""
    tmp = tmp_path_factory.mktemp("open-point")
    booking = always_open_catalogue(tmp / "catalogue")
    stack = OpenPointStack(tmp, tmp / "catalogue")
    today = dt.datetime.now(ZoneInfo(booking["timezone"])).date()
    stack.holiday_today = today in holidays.country_holidays(booking["holiday_country"], years=today.year)
    with running(stack):
        yield stack


def test_asking_for_a_person_creates_a_case(open_stack: OpenPointStack, sender):
    replies = open_stack.say(sender, "Voinko puhua oikean ihmisen kanssa?")
    handoff = customs(replies, "handoff")[0]
    assert handoff["ticket"] in text(replies) and handoff["live"] is True
    [case] = open_stack.cases(sender)
    assert (case["reason"], case["channel"], case["language"]) == ("customer_request", "kiosk", "fi")


def payloads(replies):
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


def test_two_fallbacks_in_a_row_offer_the_advisor_and_yes_calls(open_stack: OpenPointStack, sender):
    # Short enough for the model to be unsure (longer gibberish reads as out_of_scope, which is answered).
    first = open_stack.say(sender, "zzqx vvrp")
    assert not customs(first, "handoff") and open_stack.cases(sender) == []
    assert "/request_human" in payloads(first)
    second = open_stack.say(sender, "asdf jklö")
    assert not customs(second, "handoff") and open_stack.cases(sender) == [], text(second)
    assert payloads(second) == ["/affirm", "/deny"]
    third = open_stack.say(sender, "kyllä")
    assert [h["reason"] for h in customs(third, "handoff")] == ["repeated_fallback"], text(third)
    assert open_stack.cases(sender)[0]["reason"] == "repeated_fallback"


@pytest.mark.parametrize(
    "message, lang, service, yes",
    [
        ("haluan jättää Kelan hakemuksen paperilla", "fi", "document_submission", "kyllä"),
        ("jag vill lämna in en bilaga", "sv", "document_submission", "ja"),
        ("I found a wallet", "en", "lost_property", "yes"),
        ("I have a video appointment now", "en", "remote_connection", "Yes, call the advisor"),
        ("Kela pyysi että tulen tarkistuttamaan henkilöllisyyteni", "fi", "identity_confirmation", "/affirm"),
    ],
)
def test_a_need_only_the_advisor_meets_shows_the_service_asks_then_calls_on_yes(
    open_stack: OpenPointStack, sender, message, lang, service, yes
):
    replies = open_stack.say(sender, message)
    assert not customs(replies, "handoff") and open_stack.cases(sender) == [], text(replies)
    assert payloads(replies) == ["/affirm", "/deny"], text(replies)
    replies = open_stack.say(sender, yes)
    assert customs(replies, "handoff")[0]["reason"] == "needs_advisor", text(replies)
    [case] = open_stack.cases(sender)
    assert case["reason"] == "needs_advisor" and service in case["services"] and case["language"] == lang


@pytest.mark.parametrize(
    "message, no, words",
    [
        ("mul on kela asiat ihan sekasin", "ei", "Miten voin auttaa"),
        ("jag vill lämna in en bilaga", "nej tack", "Hur kan jag hjälpa"),
        ("I found a wallet", "no", "How can I help"),
    ],
)
def test_no_to_a_guessed_need_makes_no_case(open_stack: OpenPointStack, sender, message, no, words):
    open_stack.say(sender, message)
    replies = open_stack.say(sender, no)
    assert not customs(replies, "handoff") and open_stack.cases(sender) == []
    assert words in text(replies)


def test_a_payment_is_not_taken_at_this_point_and_no_advisor_is_called(open_stack: OpenPointStack, sender):
    replies = open_stack.say(sender, "can I pay here")
    assert not customs(replies, "handoff") and open_stack.cases(sender) == []
    assert "Online bank" in text(replies) and "does not do this" in text(replies)


def test_the_case_carries_the_forms_shown_and_the_booking_made_before(open_stack: OpenPointStack, sender):
    form = customs(open_stack.say(sender, "Tarvitsen lomakkeen AT 1"), "form")[0]
    first = open_stack.say(sender, "Haluan varata puhelinajan Kelaan")
    booking, _ = press_first_until_booked(open_stack, sender, first, ["040 123 4567"])
    replies = open_stack.say(sender, "Haluan puhua ihmisen kanssa")
    assert customs(replies, "handoff")
    [case] = open_stack.cases(sender)
    assert case["forms"] == [form["code"]] and case["bookings"] == [booking["reference"]]
    with sqlite3.connect(open_stack.app_db) as db:
        events = db.execute(
            "SELECT authority, category, service, channel, actor FROM service_events "
            "WHERE event_type = 'form_shown' AND service = 'AT 1'"
        ).fetchall()
    assert ("kela", "hand_out_material", "AT 1", "kiosk", "assistant") in events


def test_on_the_web_with_nobody_on_duty_no_case_but_hours_booking_and_contact(open_stack: OpenPointStack, sender):
    replies = open_stack.say(sender, "I want to talk to a person", channel="web", point=POINT)
    unavailable = customs(replies, "handoff_unavailable")
    assert unavailable == [
        {"type": "handoff_unavailable", "reason": "closed" if open_stack.holiday_today else "no_advisor"}
    ]
    assert "/book_appointment" in [b["payload"] for r in replies for b in r.get("buttons") or []]
    assert "https://www.kela.fi" in text(replies)
    assert open_stack.cases(sender) == []


def test_on_the_web_with_an_advisor_on_duty_a_live_chat(open_stack: OpenPointStack, sender):
    CaseStore(f"sqlite:///{open_stack.app_db}").mark_present("neuvoja", POINT)
    replies = open_stack.say(sender, "Jag vill prata med en människa", channel="web", point=POINT)
    if open_stack.holiday_today:
        assert customs(replies, "handoff_unavailable")[0]["reason"] == "closed"
        return
    handoff = customs(replies, "handoff")[0]
    assert handoff["live"] is True and handoff["reason"] == "customer_request"
    [case] = open_stack.cases(sender)
    assert (case["channel"], case["language"], case["ticket"]) == ("web", "sv", handoff["ticket"])


def test_a_button_label_the_model_misses_is_read_as_the_button(open_stack: OpenPointStack, sender):
    # The bot challenge's button "Call the service advisor", typed; the model alone cannot read it (today).
    open_stack.say(sender, "Are you a robot?")
    replies = open_stack.say(sender, "CALL THE SERVICE ADVISOR")
    assert customs(replies, "handoff")[0]["reason"] == "customer_request", text(replies)
