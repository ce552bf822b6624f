"""Issue 15's browser scenarios on a stack of its own (Rasa pulls its model from the web app).

1. A Swedish edit: the editor changes a service's Swedish description in /staff/content, previews it as
   the kiosk and the widget would show it, publishes, and the kiosk in Swedish answers with the new text
   at once (no training, no restart).
2. A new topic, by an editor alone, through the UI only: a service invented for the test (the
   municipality's snow-clearing help, form ZZ 901) with its texts in fi/sv/en, its form and its
   authority, added to the retirement checklist, published; its example questions in three languages in
   the training workspace; train, activate; the kiosk answers questions about it in each language with the
   catalogue's texts and form, and the retirement checklist shows it.
3. axe (WCAG 2.1 AA) with no violation on the content pages in fi and sv. Screenshots of the editor, a
   preview and the kiosk's answers go to test-artifacts/.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LANDSCAPE, App
from tests.browser.helpers import ARTIFACTS, check_axe, shot
from tests.browser.pulling import EDITOR, PullingStack, activate, pulling_stack, sign_in, train, wait_for_model
from tests.browser.ui import open_kiosk, send, tid

# Invented for the test, never a real form code or service (ZZ: no authority uses it; the schema takes one to
# three capitals and a number): marked as a test in every language.
SERVICE, INTENT, FORM = "test_snow_help", "service_test_snow_help", "ZZ 901"
SITUATION, SITUATION_INTENT = "KE10", "life_retirement"
TEXTS = {
    "name": {"fi": "Lumityöapu (testi)", "sv": "Snöröjningshjälp (test)", "en": "Snow clearing help (test)"},
    "description": {
        "fi": "Testikunta auttaa ikääntyneitä pihan lumitöissä. Hae apua lomakkeella ZZ 901.",
        "sv": "Testikunta hjälper äldre med snöröjning på gården. Ansök med blankett ZZ 901.",
        "en": "Testikunta helps older people clear snow from their yard. Apply with form ZZ 901.",
    },
    "note": {
        "fi": "Jos tarvitset apua pihan lumitöissä, hae lumityöapua lomakkeella ZZ 901.",
        "sv": "Om du behöver hjälp med snöröjning, ansök om hjälp med blankett ZZ 901.",
        "en": "If you need help clearing snow, apply for help with form ZZ 901.",
    },
}
FORM_TEXTS = {
    "name": {
        "fi": "Hakemus – Lumityöapu (testi)",
        "sv": "Ansökan – Snöröjningshjälp (test)",
        "en": "Application – Snow clearing help (test)",
    },
    "returned_to": {
        "fi": "Testikunnan asiointipiste",
        "sv": "Testikunta samservicepunkt",
        "en": "Testikunta service point",
    },
}
EXAMPLES = {
    "fi": [
        "miten saan lumityöapua",
        "tarvitsen apua lumitöihin",
        "kuka auttaa lumen luonnissa",
        "lumityöapu ikäihmisille",
        "voiko kunta auttaa pihan lumitöissä",
        "haluan hakea lumityöapua",
        "lumenluontiapua kotiin",
        "en jaksa luoda lunta pihalta",
    ],
    "sv": [
        "hur får jag hjälp med snöröjning",
        "jag behöver hjälp att skotta snö",
        "snöröjningshjälp för äldre",
        "kan kommunen hjälpa mig med snöskottning",
        "ansöka om snöröjningshjälp",
        "vem hjälper mig att skotta gården",
        "hjälp med snön på gården",
        "hjälp med snöskottning hemma",
    ],
    "en": [
        "how do I get help with snow clearing",
        "I need help shovelling snow",
        "snow clearing help for elderly people",
        "can the municipality help me clear snow",
        "apply for snow clearing assistance",
        "who helps me shovel my yard",
        "help with the snow in my yard",
        "snow shovelling help at home",
    ],
}
# Questions the examples do not contain word for word.
QUESTIONS = {
    "fi": "Mistä haen lumityöapua?",
    "sv": "Var ansöker jag om hjälp med snöröjning?",
    "en": "Where do I apply for snow clearing help?",
}
RETIREMENT = "Jään eläkkeelle, mitä minun pitää hoitaa?"
SWEDISH_QUESTION = "Hur ansöker jag om allmänt bostadsbidrag?"
CHECK_SECONDS = 1


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Iterator[tuple[App, PullingStack]]:
    """The web app (content workspace, model server, training runner), the action server and Rasa."""
    # Every process (the web app, the action server) looks for a publish every CHECK_SECONDS.
    env = {"CATALOGUE_CHECK_SECONDS": str(CHECK_SECONDS)}
    with pulling_stack(tmp_path_factory.mktemp("content"), "content", env) as pair:
        yield pair


def set_field(page: Page, name: str, value: str | bool) -> None:
    """Fill one field of the entry form by its dotted name, whatever control draws it."""
    control = page.locator(f'[name="{name}"]').first
    if isinstance(value, bool):
        control.set_checked(value)
    elif control.evaluate("e => e.tagName") == "SELECT":
        control.select_option(value)
    else:
        control.fill(value)


def texts(page: Page, field: str, values: dict[str, str]) -> None:
    for lang, value in values.items():
        set_field(page, f"{field}.{lang}", value)


def add_item(page: Page, path: str) -> None:
    """Press the list's Add button (the form comes back with a new, empty item, not yet saved)."""
    page.locator(f'button[name="op"][value="add:{path}"]').click()
    expect(page.locator(tid("unsaved"))).to_be_visible()


def save(page: Page) -> None:
    page.locator(tid("save")).click()
    expect(page.locator(tid("draft-notice"))).to_be_visible()


def new_entry(page: Page, base: str, kind: str, key: str) -> None:
    page.goto(f"{base}/staff/content?lang=fi&tab={kind}")
    page.locator("#new-kind").select_option(kind)
    page.locator("#new-key").fill(key)
    page.locator("#new-key").press("Enter")
    expect(page).to_have_url(re.compile(rf"/staff/content/entries/{kind}/"))


def publish_all(page: Page, base: str) -> None:
    page.goto(f"{base}/staff/content?lang=fi")
    button = page.locator(tid("publish-all"))
    expect(button).to_be_enabled()
    button.click()
    expect(page.locator(tid("problems"))).to_have_count(0)
    expect(page.locator(tid("drafts"))).to_have_count(0)


def answer_of(page: Page, lang: str, app: App, question: str) -> Page:
    open_kiosk(page, app.kiosk(lang), lang)
    send(page, question)
    return page


def test_a_swedish_edit_previewed_and_published_shows_at_the_kiosk(content, new_page):
    app, _ = content
    marker = f"Testtext {uuid.uuid4().hex[:6]}: ta med hyresavtalet."
    before = answer_of(new_page(), "sv", app, SWEDISH_QUESTION)
    expect(before.locator(tid("msg-bot")).filter(has_text="Allmänt bostadsbidrag").first).to_be_visible()
    expect(before.locator(tid("msg-bot")).filter(has_text=marker)).to_have_count(0)

    editor = new_page(LANDSCAPE)
    sign_in(editor, app.url, EDITOR, "sv")
    editor.goto(f"{app.url}/staff/content/entries/service/housing_allowance?lang=sv")
    description = editor.locator('[name="description.sv"]')
    description.fill(f"{description.input_value()} {marker}")
    save(editor)
    shot(editor, "content-editor-sv", full_page=True)

    # The preview: the draft as the kiosk and the widget would show it, before any customer sees it.
    editor.locator(tid("preview-link")).click()
    swedish = editor.locator(tid("preview-sv"))
    for frame in swedish.locator("iframe").all():
        frame.scroll_into_view_if_needed()
        expect(frame.content_frame.locator(tid("msg-bot")).filter(has_text=marker).first).to_be_visible()
    shot(editor, "content-preview-sv", full_page=True)
    unchanged = answer_of(new_page(), "sv", app, SWEDISH_QUESTION)
    expect(unchanged.locator(tid("msg-bot")).first).to_be_visible()
    expect(unchanged.locator(tid("msg-bot")).filter(has_text=marker)).to_have_count(0)

    publish_all(editor, app.url)
    published = time.monotonic()
    # A publish reaches a process at its next look (CATALOGUE_CHECK_SECONDS): the message after that has it.
    time.sleep(CHECK_SECONDS)
    after = answer_of(new_page(), "sv", app, SWEDISH_QUESTION)
    expect(after.locator(tid("msg-bot")).filter(has_text=marker)).to_have_count(1, timeout=15_000)
    print(f"\npublish -> Swedish kiosk answer with the new text: {time.monotonic() - published:.1f} s")
    shot(after, "content-kiosk-sv-after-publish")


def test_an_editor_adds_a_new_topic_end_to_end_through_the_ui(content, new_page):
    app, stack = content
    first_model = stack.model_file()
    editor = new_page(LANDSCAPE)
    sign_in(editor, app.url, EDITOR)

    # The form, in three languages, of the municipality.
    new_entry(editor, app.url, "form", FORM)
    set_field(editor, "authority", "municipality")
    for field, values in FORM_TEXTS.items():
        texts(editor, field, values)
    texts(editor, "variants", {"fi": FORM, "sv": FORM, "en": FORM})
    texts(editor, "url", dict.fromkeys(("fi", "sv", "en"), "https://www.example.org/testikunta/lomakkeet"))
    save(editor)

    # The service: its texts, its form, its authority and its own topic.
    new_entry(editor, app.url, "service", SERVICE)
    set_field(editor, "authority", "municipality")
    set_field(editor, "intent", INTENT)
    for field in ("name", "description"):
        texts(editor, field, TEXTS[field])
    set_field(editor, "forms", FORM)
    add_item(editor, "channels")
    set_field(editor, "channels.0.type", "service_point")
    save(editor)
    shot(editor, "content-editor-new-service-fi", full_page=True)

    # Into the retirement checklist, as its last step.
    editor.goto(f"{app.url}/staff/content/entries/life_situation/{SITUATION}?lang=fi")
    steps = editor.locator('input[type=hidden][name$="._item"][name^="steps."]').count()
    add_item(editor, "steps")
    set_field(editor, f"steps.{steps}.service", SERVICE)
    texts(editor, f"steps.{steps}.note", TEXTS["note"])
    save(editor)
    expect(editor.locator(tid("field-problems"))).to_have_count(0)

    # The preview of the new service in each language, then publish.
    editor.goto(f"{app.url}/staff/content/entries/service/{SERVICE}/preview?lang=fi")
    for lang in ("fi", "sv", "en"):
        frame = editor.locator(tid(f"preview-{lang}")).locator("iframe").first
        frame.scroll_into_view_if_needed()
        log = frame.content_frame
        expect(log.locator(tid("msg-bot")).filter(has_text=TEXTS["description"][lang]).first).to_be_visible()
        expect(log.locator(f'{tid("form-card")}[data-code="{FORM}"]').first).to_be_visible()
    shot(editor, "content-preview-new-service", full_page=True)
    publish_all(editor, app.url)

    # Its example questions in three languages, in the training workspace (the topic is there at once).
    for lang, examples in EXAMPLES.items():
        editor.goto(f"{app.url}/staff/training/intents/{INTENT}?lang=fi&examples={lang}")
        for text in examples:
            editor.locator("#add-text").fill(text)
            editor.locator("form.add-form button[type=submit]").click()
            expect(editor.locator(".notice.ok")).to_be_visible()
        expect(editor.locator(tid("examples")).locator(".example-text")).to_have_count(len(examples))

    # Train and activate; the running Rasa pulls the new model.
    model_id = train(editor, app.url)
    activate(editor, new_page(LANDSCAPE), app.url, model_id, "Selaintesti: uusi aihe, lumityöapu (testi).")
    assert wait_for_model(stack, first_model) is not None, "Rasa did not pull the activated model"
    parsed = {lang: stack.parse(q)["intent"] for lang, q in QUESTIONS.items()}
    assert all(p["name"] == INTENT for p in parsed.values()), parsed

    # The kiosk answers with the catalogue's texts and form, in each language.
    for lang, question in QUESTIONS.items():
        kiosk = answer_of(new_page(), lang, app, question)
        bots = kiosk.locator(tid("msg-bot"))
        expect(bots.filter(has_text=TEXTS["description"][lang]).first).to_be_visible()
        expect(kiosk.locator(f'{tid("form-card")}[data-code="{FORM}"]').first).to_be_visible()
        shot(kiosk, f"content-new-topic-kiosk-{lang}")

    # And the retirement checklist shows it.
    kiosk = answer_of(new_page(), "fi", app, RETIREMENT)
    checklist = kiosk.locator(tid("checklist")).last
    expect(checklist).to_contain_text(TEXTS["name"]["fi"])
    shot(kiosk, "content-new-topic-checklist-fi")
    (ARTIFACTS / "content-new-topic.txt").write_text(f"parse: {parsed}\n", encoding="utf-8")


PAGES = {
    "browse": "/staff/content",
    "service": "/staff/content/entries/service/housing_allowance",
    "situation": f"/staff/content/entries/life_situation/{SITUATION}",
    "point": "/staff/content/entries/point/point",
    "preview": "/staff/content/entries/service/housing_allowance/preview",
    "history": "/staff/content/history",
    "import": "/staff/content/import",
    "forms": "/staff/forms",
}


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_content_pages_have_no_axe_violations(content, new_page, lang):
    app, _ = content
    page = new_page(LANDSCAPE)
    sign_in(page, app.url, EDITOR, lang)
    found = {}
    for name, path in PAGES.items():
        page.goto(f"{app.url}{path}?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        if name == "preview":
            for frame in page.locator("iframe").all():
                frame.scroll_into_view_if_needed()
                expect(frame.content_frame.locator(tid("msg-bot")).first).to_be_visible()
        violations = check_axe(page, f"content-{name}-{lang}")
        found[name] = [f"{v['id']} ({v['impact']})" for v in violations]
    assert not any(found.values()), found
