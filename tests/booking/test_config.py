"""The booking configuration of the real catalogue: topics, calendars, texts."""

from service_catalogue.loader import LANGUAGES

TOPICS = ["families", "housing", "studies", "unemployment", "pensions", "sickness_rehabilitation", "international"]


def test_topics_in_order(config):
    assert list(config.topics) == TOPICS


def test_every_topic_can_be_booked_in_every_language_and_kind(config):
    for topic in TOPICS:
        for language in LANGUAGES:
            for kind in ("phone", "remote"):
                assert config.calendars_for(kind, topic, language), (topic, language, kind)


def test_every_kela_benefit_leads_to_a_topic(catalogue, config):
    # Services only the advisor does (handing in a paper, a remote connection) are errands, not topics.
    kela = [sid for sid, s in catalogue.services.items() if s["authority"] == "kela" and not s["needs_advisor"]]
    assert [sid for sid in kela if config.topic_for(service_id=sid) is None] == []
    others = [sid for sid, s in catalogue.services.items() if s["authority"] != "kela"]
    assert [sid for sid in others if config.topic_for(service_id=sid)] == []


def test_topic_for(config):
    assert config.topic_for("housing_allowance") == "housing"
    assert config.topic_for(life_situation="KE8") == "unemployment"
    assert config.topic_for("child_benefit", "KE8") == "families"  # the service wins
    assert config.topic_for("tax_card", "KE4.3") == "international"
    assert config.topic_for() is None and config.topic_for("tax_card") is None


def test_texts(config):
    assert config.label("later_times", "fi") == "Myöhemmät ajat"
    assert config.label("cancel", "sv") == "Avbryt"
    assert config.label("confirm", "en") == "Confirm"
    assert config.topic_name("sickness_rehabilitation", "fi") == "Sairastaminen ja kuntoutus"
    assert config.kind_name("phone", "sv") == "Telefontid"
    assert config.language_name("sv", "fi") == "ruotsi"
    assert [config.language_name(code, code) for code in LANGUAGES] == ["suomi", "svenska", "English"]
    assert config.room_name("etapalveluhuone-1", "en") == "Remote service room 1"


def test_hours_match_the_point(config, catalogue):
    assert config.kind_hours["remote"][0] == ((9 * 60, 15 * 60),)  # "ma–pe klo 9–15"
    assert "9–15" in catalogue.point["remote_service_hours"]["fi"]
    assert sorted(config.kind_hours["phone"]) == [0, 1, 2, 3, 4]
    assert config.rooms[0].hours[4] == ((9 * 60, 16 * 60),)
    assert str(config.tz) == "Europe/Helsinki" and config.slot_minutes == 30
