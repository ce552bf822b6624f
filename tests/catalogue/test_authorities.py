"""Authorities that ended name working successors; each authority's point services are its own."""

import re

import pytest

from service_catalogue.loader import LANGUAGES, load_catalogue
from tests.catalogue.test_loader import broken, data  # noqa: F401  (the fixture)

REFERENCE_FACTS = {"ely": "2025-12-31", "te_office": "2025-01-01"}


def test_ely_and_te_office_ended_and_name_their_successors():
    cat = load_catalogue()
    for key, ended in REFERENCE_FACTS.items():
        assert cat.authorities[key]["ended"] == ended
    assert [a["id"] for a in cat.successors("ely")] == ["elinvoimakeskus", "lupa_ja_valvontavirasto"]
    assert [a["id"] for a in cat.successors("te_office")] == ["employment"]


def test_every_ended_authority_says_in_three_languages_what_took_over():
    cat = load_catalogue()
    for key, authority in cat.authorities.items():
        if not authority.get("ended"):
            assert "url" in authority and not authority.get("successors"), key
            continue
        assert authority["successors"], key
        for lang in LANGUAGES:
            text = authority["succession"][lang]
            assert all(s["name"][lang].split(" (")[0].lower() in text.lower() for s in cat.successors(key)), (key, lang)
        for successor in cat.successors(key):
            assert not successor.get("ended") and "url" in successor


def test_new_authorities_are_marked_unverified_where_reference_facts_do_not_confirm_them():
    cat = load_catalogue()
    for key in ("elinvoimakeskus", "lupa_ja_valvontavirasto"):
        assert cat.authorities[key]["verified"] is False
        # No address of their own is confirmed: the general route suomi.fi, as the municipality's.
        assert cat.authorities[key]["url"] == cat.authorities["municipality"]["url"]
    assert cat.authorities["kela"]["offices"]["verified"] is False


def test_unknown_successor(data):  # noqa: F811
    message = broken(data, "authorities", lambda d: _entry(d, "ely").update(successors=["ely_2026"]))
    assert "authorities.yml: entry 'ely': unknown successor 'ely_2026'" in message


def test_a_successor_that_has_ended_itself(data):  # noqa: F811
    message = broken(data, "authorities", lambda d: _entry(d, "te_office").update(successors=["ely"]))
    assert "entry 'te_office': successor 'ely' has ended itself" in message


def test_an_ended_authority_without_successors(data):  # noqa: F811
    message = broken(data, "authorities", lambda d: _entry(d, "ely").pop("successors"))
    assert "entry 'ely'" in message and "successors" in message


def test_successors_of_an_authority_that_works(data):  # noqa: F811
    message = broken(data, "authorities", lambda d: _entry(d, "kela").update(successors=["employment"]))
    assert "entry 'kela': successors are only for an authority that has ended" in message


def test_point_service_of_another_authority(data):  # noqa: F811
    message = broken(data, "authorities", lambda d: _entry(d, "police").update(point_services=["tax_card"]))
    assert "entry 'police': service 'tax_card' in point_services belongs to 'tax'" in message


@pytest.mark.parametrize("key", ["kela", "police", "tax", "dvv", "employment"])
def test_point_services_are_the_authoritys_own(key):
    cat = load_catalogue()
    services = cat.authorities[key]["point_services"]
    assert services and all(cat.services[s]["authority"] == key for s in services)


def test_succession_texts_carry_no_address_of_their_own():
    # Addresses live in url/offices fields, where verified flags apply, never inside prose.
    cat = load_catalogue()
    for key, authority in cat.authorities.items():
        for text in (authority.get("succession") or {}).values():
            assert not re.search(r"https?://|\d{3} \d{3}", text), key


def _entry(document, key):
    return next(a for a in document["authorities"] if a["id"] == key)
