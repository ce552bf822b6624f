"""Each life situation offers exactly the forms that fit it, and each of them belongs to one of its services."""

import shutil

import pytest
import yaml

from service_catalogue.loader import DEFAULT_DATA_DIR, CatalogueError, load_catalogue

# Reviewed by hand: 5042 (tax card of a person living abroad) only where the customer moves across the border.
EXPECTED = {
    "KE1": ["SV 15", "LL 1", "WH 1", "EV 264", "AT 1"],
    "KE3": ["OT 1", "OT 2", "AT 1", "KM 1", "5010", "OT 15"],
    "KE4.1": ["AT 1", "OT 15", "TO 2"],
    "KE4.2": ["AT 1", "AE 1"],
    "KE4.3": ["Y 38", "5010", "5042"],
    "KE4.4": ["Y 77", "5042"],
    "KE5": ["Y 77", "SV 157", "5042"],
    "KE7": ["AT 1", "LL 1", "LU 1"],
    "KE8": ["TT 1", "TT 2", "5010", "AT 1"],
    "KE9": ["TO 2"],
    "KE10": ["AE 1", "EV 256", "EV 264", "5010"],
    "KE11": ["SV 8", "SV 4", "EV 256"],
    "KE12": ["SV 4"],
    "KE13": ["EV 256", "SV 4"],
    "KE14": ["AT 1", "5002"],
}


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def test_every_life_situation_is_pinned(cat):
    assert set(EXPECTED) == set(cat.life_situations)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_life_situation_offers_its_pinned_forms(cat, code):
    assert [f["code"] for f in cat.life_situation_forms(cat.life_situations[code])] == EXPECTED[code]


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_every_form_belongs_to_a_service_of_the_situation(cat, code):
    situation = cat.life_situations[code]
    owned = {form for step in situation["steps"] for form in cat.services[step["service"]]["forms"]}
    assert {f["code"] for f in cat.life_situation_forms(situation)} <= owned


def test_losing_a_job_does_not_offer_the_foreign_residents_tax_card(cat):
    assert "5042" not in EXPECTED["KE8"]
    assert "5042" not in [f["code"] for f in cat.life_situation_forms(cat.life_situations["KE8"])]
    assert "5042" in cat.services["tax_card"]["forms"]


def test_a_step_form_that_is_not_its_services_is_refused(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    path = data / "life_situations.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    situation = next(s for s in document["life_situations"] if s["code"] == "KE8")
    index = next(i for i, step in enumerate(situation["steps"]) if step["service"] == "tax_card")
    situation["steps"][index]["forms"] = ["5010", "AT 1"]
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_catalogue(data)
    [problem] = error.value.problems
    assert problem.code == "step_form_not_of_service"
    assert (problem.file, problem.entry, problem.field) == ("life_situations.yml", "KE8", f"steps.{index}.forms.1")
    assert "'AT 1'" in str(error.value) and "tax_card" in str(error.value)
