"""The model server Rasa pulls from: 200 with an ETag, 304 for the same model, the token, the repo's model."""

from __future__ import annotations

import hashlib

import pytest

from kiosk_ui.routers import model_server
from store.db import open_database
from tests.kiosk_ui.conftest import make_client
from training import bank as bank_module
from training.bank import ModelBank

URL = "/model-server/active"


@pytest.fixture
def repo_model(tmp_path, monkeypatch):
    path = tmp_path / "repo" / "assistant.tar.gz"
    path.parent.mkdir()
    path.write_bytes(b"the repository's model")
    monkeypatch.setattr(bank_module, "REPO_MODEL", path)
    return path


def bank_of(tmp_path) -> ModelBank:
    return ModelBank(open_database(f"sqlite:///{tmp_path}/app.db"), tmp_path / "models")


def active_model(bank: ModelBank, content: bytes = b"a model from the bank") -> str:
    record = bank.request("editor")
    bank.claim_next("host", 1)
    bank.directory.mkdir(parents=True, exist_ok=True)
    (bank.directory / f"{record.name}.tar.gz").write_bytes(content)
    sha = hashlib.sha256(content).hexdigest()
    bank.trained(record.id, f"{record.name}.tar.gz", len(content), sha)
    bank.evaluated(record.id, None, False)
    bank.activate(record.id, "editor")
    return sha


def test_serves_the_repo_model_when_the_bank_has_none(tmp_path, rasa, repo_model):
    with make_client(tmp_path, rasa) as client:
        response = client.get(URL)
        assert response.status_code == 200
        assert response.content == b"the repository's model"
        sha = hashlib.sha256(b"the repository's model").hexdigest()
        assert response.headers["etag"] == f'"{sha}"'
        assert response.headers["filename"] == "assistant.tar.gz"
        # Rasa sends back the ETag exactly as it got it.
        again = client.get(URL, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert client.get(URL, headers={"If-None-Match": sha}).status_code == 304


def test_serves_the_active_model_with_its_sha256(tmp_path, rasa, repo_model):
    with make_client(tmp_path, rasa, model_bank_dir=tmp_path / "models") as client:
        sha = active_model(bank_of(tmp_path))
        old = hashlib.sha256(b"the repository's model").hexdigest()
        response = client.get(URL, headers={"If-None-Match": f'"{old}"'})
        assert response.status_code == 200
        assert response.content == b"a model from the bank"
        assert response.headers["etag"] == f'"{sha}"'
        assert response.headers["filename"] == "model-00001.tar.gz"
        assert client.get(URL, headers={"If-None-Match": f'"{sha}"'}).status_code == 304
        # Rasa's first pull after a start names no model ("None").
        assert client.get(URL, headers={"If-None-Match": "None"}).status_code == 200


def test_no_model_at_all_is_404(tmp_path, rasa, monkeypatch):
    monkeypatch.setattr(bank_module, "REPO_MODEL", tmp_path / "nothing.tar.gz")
    with make_client(tmp_path, rasa) as client:
        assert client.get(URL).status_code == 404


def test_a_missing_active_file_is_404_not_another_model(tmp_path, rasa, repo_model):
    with make_client(tmp_path, rasa, model_bank_dir=tmp_path / "models") as client:
        active_model(bank_of(tmp_path))
        (tmp_path / "models" / "model-00001.tar.gz").unlink()
        assert client.get(URL).status_code == 404


def test_the_token_is_required_when_set(tmp_path, rasa, repo_model):
    with make_client(tmp_path, rasa, model_server_token="s3cret-token") as client:
        assert client.get(URL).status_code == 401
        assert client.get(URL, params={"token": "wrong"}).status_code == 401
        assert client.get(URL, params={"token": "s3cret-token"}).status_code == 200


def test_etag_comparison():
    assert model_server.etag_matches('"abc"', "abc")
    assert model_server.etag_matches('W/"abc", "def"', "def")
    assert not model_server.etag_matches("None", "abc")
    assert not model_server.etag_matches(None, "abc")
