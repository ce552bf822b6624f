"""The channel keeps phone numbers in the contact vault: a fresh app database for every test.

The language identifier trained on nlu_data/ is shared by the identifier's and the language policy's tests."""

from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data

from bot.language_id import LanguageIdentifier

NLU = Path(__file__).resolve().parents[2] / "nlu_data"


@pytest.fixture(autouse=True)
def _app_db(app_db):
    return app_db


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The identifier trained on nlu_data/ and loaded back from its model storage, as Rasa does."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("language_id")
    config = LanguageIdentifier.get_default_config()
    LanguageIdentifier.create(config, storage, resource, None).train(load_data(str(NLU)))  # type: ignore[arg-type]
    return LanguageIdentifier.load(config, storage, resource, None)  # type: ignore[arg-type]
