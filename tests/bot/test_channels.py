"""The REST channel removes personal data before Rasa sees the message."""

from types import SimpleNamespace

from bot.channels import RedactingRestInput


def request(body):
    return SimpleNamespace(json=body)


def test_channel_keeps_the_rest_webhook_address():
    assert RedactingRestInput.name() == "rest"


def test_message_and_metadata_are_redacted_and_the_kinds_reported():
    body = {
        "sender": "s",
        "message": "hetu 131052-308T, puh 040 123 4567",
        "metadata": {"channel": "kiosk", "note": "call 0401234567", "redacted": ["forged"]},
    }
    channel = RedactingRestInput()
    assert channel._extract_message(request(body)) == "hetu <ID_CODE>, puh <PHONE_NUMBER>"
    metadata = channel.get_metadata(request(body))
    assert metadata == {"channel": "kiosk", "note": "call <PHONE_NUMBER>", "redacted": ["id_code", "phone"]}


def test_clean_message_passes_unchanged():
    body = {"sender": "s", "message": "Tarvitsen lomakkeen AT 1"}
    channel = RedactingRestInput()
    assert channel._extract_message(request(body)) == "Tarvitsen lomakkeen AT 1"
    assert channel.get_metadata(request(body)) is None
