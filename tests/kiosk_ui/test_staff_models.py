"""The model bank's pages: roles (advisor refused, editor allowed, admin for a regression), CSRF, the queue,
progress JSON, activate and roll back, download, and the Rasa instances' running models."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from kiosk_ui.deps import get_rasa_client
from store.accounts import AccountStore
from tests.kiosk_ui.test_staff import PASSWORD, make_staff_client, signed_in
from training.bank import ModelBank

BASE = "/staff/training/models"


@pytest.fixture
def client(tmp_path):
    client = make_staff_client(tmp_path, model_bank_dir=tmp_path / "models", rasa_token="rasa-secret")
    client.app.state.training_runner = False  # no background training in these tests
    seen: list[str] = []

    def rasa_status(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"model_file": "model-00001.tar.gz", "model_id": "x"})

    async def fake_client():
        async with httpx.AsyncClient(transport=httpx.MockTransport(rasa_status)) as rasa:
            yield rasa

    client.app.dependency_overrides[get_rasa_client] = fake_client
    with client:
        accounts = AccountStore(client.app.state.db_engine)
        for name, role in (("aino", "advisor"), ("eero", "editor"), ("anna", "admin")):
            accounts.create(name, PASSWORD, role)
        client.rasa_seen = seen  # type: ignore[attr-defined]
        yield client


def bank_of(client) -> ModelBank:
    return ModelBank(client.app.state.db_engine, client.app.state.settings.model_bank_dir)


def ready_model(bank: ModelBank, regression: bool = False, content: bytes = b"model") -> int:
    record = bank.request("eero")
    bank.claim_next("host", 1)
    bank.directory.mkdir(parents=True, exist_ok=True)
    (bank.directory / f"{record.name}.tar.gz").write_bytes(content + str(record.id).encode())
    bank.set_checksum(record.id, "c" * 64)
    bank.trained(record.id, f"{record.name}.tar.gz", 6, hashlib.sha256(content).hexdigest())
    bank.evaluated(record.id, None, regression)
    return record.id


def test_advisor_is_refused_and_editor_sees_the_bank(client):
    signed_in(client, "aino")
    assert client.get(BASE).status_code == 403
    client.cookies.clear()
    signed_in(client, "eero")
    page = client.get(BASE)
    assert page.status_code == 200
    assert 'data-testid="models-instances"' in page.text
    # Every known Rasa instance is asked which model it runs, with the API token.
    assert client.rasa_seen and client.rasa_seen[0].endswith("/status?token=rasa-secret")


def test_forms_need_the_csrf_token(client):
    signed_in(client, "eero")
    model = ready_model(bank_of(client))
    for path in (f"{BASE}/train", f"{BASE}/{model}/activate", f"{BASE}/{model}/cancel"):
        assert client.post(path, data={}).status_code == 403
        assert client.post(path, data={"csrf_token": "wrong"}).status_code == 403
    assert bank_of(client).active() is None
    assert bank_of(client).queue() == []


def test_train_queues_a_job_and_a_second_waits_visibly(client):
    token = signed_in(client, "eero")
    first = client.post(f"{BASE}/train", data={"csrf_token": token})
    assert first.status_code == 303 and first.headers["location"].startswith(f"{BASE}/1?")
    client.post(f"{BASE}/train", data={"csrf_token": token})
    assert [r.id for r in bank_of(client).queue()] == [1, 2]
    page = client.get(BASE + "?lang=sv")
    assert 'data-testid="models-queue"' in page.text and "I kö" in page.text
    progress = client.get(f"{BASE}/2/progress.json?lang=fi", headers={"Accept": "application/json"}).json()
    assert progress["state"] == "queued" and progress["running"] and progress["stage_label"]
    job = client.get(f"{BASE}/2")
    assert "<progress" in job.text and 'aria-live="polite"' in job.text
    cancelled = client.post(f"{BASE}/2/cancel", data={"csrf_token": token})
    assert cancelled.status_code == 303
    assert bank_of(client).get(2).state == "failed"  # type: ignore[union-attr]


def test_train_with_unchanged_data_tells_the_editor(client, monkeypatch):
    from kiosk_ui.routers import staff_models

    token = signed_in(client, "eero")
    bank = bank_of(client)
    bank.activate(ready_model(bank), "eero")
    monkeypatch.setattr(staff_models, "data_checksum", lambda engine: "c" * 64)
    response = client.post(f"{BASE}/train", data={"csrf_token": token})
    assert response.status_code == 303 and "notice=unchanged" in response.headers["location"]
    assert bank.queue() == []


def test_activate_and_roll_back(client):
    token = signed_in(client, "eero")
    bank = bank_of(client)
    first, second = ready_model(bank), ready_model(bank)
    assert client.post(f"{BASE}/{first}/activate", data={"csrf_token": token}).status_code == 303
    assert bank.active().id == first  # type: ignore[union-attr]
    client.post(f"{BASE}/{second}/activate", data={"csrf_token": token, "reason": "new examples"})
    assert bank.active().id == second  # type: ignore[union-attr]
    page = client.get(BASE)
    assert "Palaa tähän malliin" in page.text  # the retired model offers the way back
    client.post(f"{BASE}/{first}/activate", data={"csrf_token": token})
    assert bank.active().id == first  # type: ignore[union-attr]
    assert [a.by for a in bank.activations()] == ["eero", "eero", "eero"]


def test_a_regression_needs_an_admin_and_a_reason(client):
    bank = bank_of(client)
    weaker = ready_model(bank, regression=True)
    token = signed_in(client, "eero")
    refused = client.post(f"{BASE}/{weaker}/activate", data={"csrf_token": token, "reason": "because"})
    assert refused.status_code == 403 and bank.active() is None
    client.cookies.clear()
    token = signed_in(client, "anna")
    no_reason = client.post(f"{BASE}/{weaker}/activate", data={"csrf_token": token, "reason": "  "})
    assert no_reason.status_code == 400 and bank.active() is None
    too_long = client.post(f"{BASE}/{weaker}/activate", data={"csrf_token": token, "reason": "x" * 501})
    assert too_long.status_code == 400
    done = client.post(f"{BASE}/{weaker}/activate", data={"csrf_token": token, "reason": "Swedish fix is urgent"})
    assert done.status_code == 303 and bank.active().id == weaker  # type: ignore[union-attr]
    activation = bank.activations(weaker)[0]
    assert activation.by == "anna" and activation.override and activation.reason == "Swedish fix is urgent"


def test_download_and_unknown_model(client):
    signed_in(client, "eero")
    model = ready_model(bank_of(client))
    response = client.get(f"{BASE}/{model}/download")
    assert response.status_code == 200 and response.content == b"model1"
    assert "attachment" in response.headers["content-disposition"]
    assert client.get(f"{BASE}/99").status_code == 404
    assert client.get(f"{BASE}/99/download").status_code == 404


def test_the_evaluation_comparison_is_shown(client):
    from training.evaluation import Item, compare

    bank = bank_of(client)
    model = ready_model(bank)
    items = [Item("hei", "fi", "heldout", "greet"), Item("tack", "sv", "real", "thank")]
    scores = compare(items, {"hei": "greet", "tack": "greet"}, {"hei": "greet", "tack": "thank"})
    scores["stories"] = {"candidate": {"correct": 60, "total": 64}, "active": {"correct": 64, "total": 64}}
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from store.model_bank import TrainedModel

    with Session(bank.engine) as session:
        session.execute(update(TrainedModel).where(TrainedModel.id == model).values(scores=scores, regression=True))
        session.commit()
    signed_in(client, "eero")
    page = client.get(f"{BASE}/{model}?lang=sv").text
    assert 'data-testid="models-compare"' in page
    assert "Fel nu, rätt med modellen som används (1)" in page, page[page.find("models-compare") :][:3000]
    assert ">tack<" in page
    assert "60 / 64" in page


def test_validation_is_shown_before_training_and_a_blocking_problem_stops_it(client, monkeypatch):
    from kiosk_ui.routers import staff_models
    from training.validation import Finding

    token = signed_in(client, "eero")
    page = client.get(f"{BASE}?lang=en").text
    assert "Before training" in page and "The examples and the service catalogue are in order" in page
    duplicate = Finding("duplicate", True, intent="greet", language="fi", text="moi", other_intent="goodbye")
    few = Finding("too_few", False, intent="thank", language="sv", count=3)
    monkeypatch.setattr(staff_models, "check", lambda data: [duplicate, few])
    page = client.get(f"{BASE}?lang=en").text
    assert "is in both" in page and "only 3 examples in Swedish" in page
    assert "/staff/training/intents/greet?lang=en&amp;examples=fi" in page and "disabled" in page
    response = client.post(f"{BASE}/train", data={"csrf_token": token})
    assert response.status_code == 303 and "notice=invalid_data" in response.headers["location"]
    assert bank_of(client).queue() == []
