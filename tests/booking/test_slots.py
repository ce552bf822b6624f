"""Slot generation: hours per kind, weekends, holidays, DST days, notice, horizon and paging."""

import datetime as dt
import itertools

from booking.slots import slot_starts
from tests.booking.helpers import at, book, weekdays

MONDAY_EARLY = at(2026, 11, 23, 6)  # Monday 23 Nov 2026, 06:00 Helsinki
HALF_HOUR = dt.timedelta(minutes=30)


def keys(slots):
    return [s.key for s in slots]


def test_phone_and_remote_hours_of_a_weekday(client):
    phone = client.free_slots("phone", "families", "fi", now=MONDAY_EARLY, limit=100)
    monday = [s for s in phone if s.start.date() == dt.date(2026, 11, 23)]
    assert monday[0].key == "2026-11-23T09:00:00+02:00"
    assert monday[-1].key == "2026-11-23T15:30:00+02:00"  # phone hours end at 16:00
    assert len(monday) == 14
    remote = client.free_slots("remote", "families", "fi", now=MONDAY_EARLY, limit=100)
    monday = [s for s in remote if s.start.date() == dt.date(2026, 11, 23)]
    assert (monday[0].key, monday[-1].key) == ("2026-11-23T09:00:00+02:00", "2026-11-23T14:30:00+02:00")
    for slot in phone + remote:
        assert slot.end - slot.start == HALF_HOUR
        assert slot.start.utcoffset() == dt.timedelta(hours=2)
        assert (slot.topic, slot.language) == ("families", "fi")


def test_weekends_have_no_times(client):
    slots = client.free_slots("phone", "housing", "sv", now=MONDAY_EARLY, limit=1000)
    assert slots and all(s.start.weekday() < 5 for s in slots)
    friday_last = at(2026, 11, 27, 15, 30)
    assert keys(client.free_slots("phone", "housing", "sv", after=friday_last, now=MONDAY_EARLY, limit=1)) == [
        "2026-11-30T09:00:00+02:00"
    ]


def test_christmas_and_independence_day_are_closed(client):
    # 24-26 Dec 2026 is Thursday to Saturday: after Wednesday comes Monday the 28th.
    now = at(2026, 12, 21, 8)
    assert keys(client.free_slots("phone", "pensions", "fi", after=at(2026, 12, 23, 15, 30), now=now, limit=1)) == [
        "2026-12-28T09:00:00+02:00"
    ]
    # 6 Dec 2027 is a Monday.
    now = at(2027, 12, 1, 8)
    assert keys(client.free_slots("remote", "pensions", "en", after=at(2027, 12, 3, 14, 30), now=now, limit=1)) == [
        "2027-12-07T09:00:00+02:00"
    ]
    # Midsummer Eve (Friday 19 Jun 2026), which the holidays library counts as a holiday in Finland.
    slots = client.free_slots("phone", "studies", "fi", now=at(2026, 6, 15, 8), limit=1000)
    assert not [s for s in slots if s.start.date() == dt.date(2026, 6, 19)]


def test_closed_days_from_the_configuration(make):
    client = make(closed_days=frozenset({dt.date(2026, 11, 24)}))
    slots = client.free_slots("phone", "families", "fi", now=MONDAY_EARLY, limit=100)
    assert {s.start.date() for s in slots[:30]} == {dt.date(2026, 11, 23), dt.date(2026, 11, 25), dt.date(2026, 11, 26)}


def test_offsets_around_the_autumn_change(client):
    # Clocks go back on Sunday 25 Oct 2026.
    now = at(2026, 10, 21, 8)
    friday = client.free_slots("phone", "unemployment", "fi", after=at(2026, 10, 23, 8), now=now, limit=1)
    monday = client.free_slots("phone", "unemployment", "fi", after=at(2026, 10, 24), now=now, limit=1)
    assert keys(friday) == ["2026-10-23T09:00:00+03:00"]
    assert keys(monday) == ["2026-10-26T09:00:00+02:00"]


def test_offsets_around_the_spring_change_and_easter(client):
    # Clocks go forward on Sunday 28 Mar 2027, which is Easter Sunday; Good Friday (26th) and
    # Easter Monday (29th) are holidays too.
    now = at(2027, 3, 22, 8)
    slots = client.free_slots("phone", "unemployment", "fi", after=at(2027, 3, 25, 15), now=now, limit=2)
    assert keys(slots) == ["2027-03-25T15:30:00+02:00", "2027-03-30T09:00:00+03:00"]


def test_spring_forward_skips_the_missing_hour_and_slots_last_real_minutes(make, config):
    # Hours on Sundays 02:00-05:00 only; 'US' holidays so that Easter Sunday 2027 does not close the day.
    client = make(kind_hours={"phone": {6: ((120, 300),)}, "remote": {}}, holiday_country="US")
    slots = client.free_slots("phone", "families", "fi", now=at(2027, 3, 27, 12), limit=4)
    assert keys(slots) == [
        "2027-03-28T02:00:00+02:00",
        "2027-03-28T02:30:00+02:00",
        "2027-03-28T04:00:00+03:00",
        "2027-03-28T04:30:00+03:00",
    ]
    for slot in slots:
        assert slot.end.astimezone(dt.UTC) - slot.start.astimezone(dt.UTC) == HALF_HOUR
        assert slot.start.hour != 3


def test_finnish_easter_sunday_closes_the_spring_forward_day(config):
    import dataclasses

    sunday = dataclasses.replace(config, kind_hours={"phone": {6: ((120, 300),)}})
    assert slot_starts(sunday, dt.date(2027, 3, 28), [sunday.kind_hours["phone"]]) == []


def test_fall_back_offers_the_repeated_hour_as_two_instants(make):
    client = make(kind_hours={"phone": {6: ((120, 300),)}, "remote": {}})
    slots = client.free_slots("phone", "families", "fi", now=at(2026, 10, 24, 12), limit=8)
    assert keys(slots) == [
        "2026-10-25T02:00:00+03:00",
        "2026-10-25T02:30:00+03:00",
        "2026-10-25T03:00:00+03:00",
        "2026-10-25T03:30:00+03:00",
        "2026-10-25T03:00:00+02:00",
        "2026-10-25T03:30:00+02:00",
        "2026-10-25T04:00:00+02:00",
        "2026-10-25T04:30:00+02:00",
    ]
    utc = [s.start.astimezone(dt.UTC) for s in slots]
    assert all(b - a == HALF_HOUR for a, b in itertools.pairwise(utc))
    # (Python subtracts two datetimes of one zone by wall clock, so compare real time in UTC.)
    assert all(s.end.astimezone(dt.UTC) - s.start.astimezone(dt.UTC) == HALF_HOUR for s in slots)
    # Both 03:00s can be booked: they are different instants.
    first = book(client, slots[2].start, now=at(2026, 10, 24, 12))
    second = book(client, slots[4].start, now=at(2026, 10, 24, 12))
    assert first.start.utcoffset() != second.start.utcoffset()


def test_minimum_notice(client):
    # 08:59 + 120 min = 10:59: the first time is 11:00.
    slots = client.free_slots("phone", "families", "fi", now=at(2026, 11, 23, 8, 59), limit=1)
    assert keys(slots) == ["2026-11-23T11:00:00+02:00"]
    # Late in the day nothing is left today.
    slots = client.free_slots("phone", "families", "fi", now=at(2026, 11, 23, 14, 1), limit=1)
    assert keys(slots) == ["2026-11-24T09:00:00+02:00"]


def test_nothing_beyond_days_ahead(client, config):
    slots = client.free_slots("phone", "families", "fi", now=MONDAY_EARLY, limit=1000)
    last_day = MONDAY_EARLY.date() + dt.timedelta(days=config.days_ahead)
    assert max(s.start.date() for s in slots) == last_day == dt.date(2026, 12, 14)
    assert client.free_slots("phone", "families", "fi", after=slots[-1].start, now=MONDAY_EARLY) == []


def test_after_pages_forward_without_gaps_or_repeats(client):
    everything = client.free_slots("phone", "studies", "en", now=MONDAY_EARLY, limit=20)
    pages, after = [], None
    while len(pages) < 20:
        page = client.free_slots("phone", "studies", "en", after=after, now=MONDAY_EARLY, limit=4)
        pages += page
        after = page[-1].start
    assert pages == everything
    # `after` is exclusive and any instant works, not only a slot start.
    assert (
        client.free_slots("phone", "studies", "en", after=at(2026, 11, 23, 9, 10), now=MONDAY_EARLY, limit=1)[0].key
        == "2026-11-23T09:30:00+02:00"
    )


def test_booked_times_are_not_offered(client):
    slots = client.free_slots("phone", "families", "fi", now=MONDAY_EARLY, limit=3)
    book(client, slots[1].start)
    assert keys(client.free_slots("phone", "families", "fi", now=MONDAY_EARLY, limit=2)) == [slots[0].key, slots[2].key]
    # The same time in another topic or language is another expert's calendar.
    assert client.free_slots("phone", "families", "sv", now=MONDAY_EARLY, limit=2)[1].key == slots[1].key


def test_remote_needs_a_free_room(client):
    nine = at(2026, 11, 23, 9)
    book(client, nine, kind="remote", topic="housing")  # takes the only room at 09:00
    remote = client.free_slots("remote", "families", "fi", now=MONDAY_EARLY, limit=1)
    assert remote[0].key == "2026-11-23T09:30:00+02:00"
    # A phone appointment needs no room, and families_fi's calendar is still free at 09:00.
    assert client.free_slots("phone", "families", "fi", now=MONDAY_EARLY, limit=1)[0].start == nine


def test_remote_times_are_within_the_rooms_hours(make, config):
    room = config.rooms[0]
    afternoon = type(room)(id=room.id, name=room.name, hours=weekdays((12 * 60, 16 * 60)))
    client = make(rooms=(afternoon,))
    slots = client.free_slots("remote", "families", "fi", now=MONDAY_EARLY, limit=100)
    monday = [s.start.strftime("%H:%M") for s in slots if s.start.date() == dt.date(2026, 11, 23)]
    assert monday == ["12:00", "12:30", "13:00", "13:30", "14:00", "14:30"]
    assert make(rooms=()).free_slots("remote", "families", "fi", now=MONDAY_EARLY) == []


def test_a_calendar_with_its_own_hours(make, config):
    calendars = tuple(
        type(c)(
            id=c.id,
            topic=c.topic,
            language=c.language,
            kinds=c.kinds,
            hours=weekdays((10 * 60, 12 * 60)) if c.id == "families_fi" else c.hours,
        )
        for c in config.calendars
    )
    client = make(calendars=calendars)
    slots = client.free_slots("phone", "families", "fi", now=MONDAY_EARLY, limit=5)
    assert [s.start.strftime("%a %H:%M") for s in slots] == [
        "Mon 10:00",
        "Mon 10:30",
        "Mon 11:00",
        "Mon 11:30",
        "Tue 10:00",
    ]
