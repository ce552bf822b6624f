"""The editors' catalogue: drafts, validated publish, history and revert, upgrade merge with conflicts, export."""

import copy
import json
import shutil

import pytest
import yaml
from sqlalchemy.orm import Session

from service_catalogue.loader import DEFAULT_DATA_DIR, LANGUAGES, CatalogueError, load_catalogue
from store.catalogue_changes import CatalogueChange
from store.catalogue_workspace import (
    KINDS,
    WHOLE_ENTRY,
    CatalogueWorkspace,
    LiveCatalogue,
    WorkspaceError,
    merge_entry,
)
from store.db import open_database
from store.rows import now_db


def text(value):
    return dict.fromkeys(LANGUAGES, value)


@pytest.fixture
def data(tmp_path):
    """A copy of the repository catalogue: the base an upgrade can change."""
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


@pytest.fixture
def engine(tmp_path):
    return open_database(f"sqlite:///{tmp_path}/app.db")


@pytest.fixture
def ws(engine, data):
    return CatalogueWorkspace(engine, data)


def upgrade(data, name, change):
    """A new release's catalogue/data/: the file rewritten with a change."""
    path = data / f"{name}.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def new_service(**fields):
    service = {
        "id": "test_municipal_service",
        "authority": "kela",
        "name": text("Testipalvelu"),
        "description": text("Testikunnan oma palvelu."),
        "channels": [{"type": "service_point"}],
        "forms": [],
        "advisor_tasks": [],
        "needs_advisor": False,
        "verified": False,
    }
    return service | fields


def test_with_no_change_the_published_catalogue_is_the_repositorys(ws):
    cat = ws.published()
    assert cat.services.keys() == load_catalogue().services.keys()
    assert ws.history() == [] and ws.drafts() == [] and ws.conflicts() == []
    assert ws.published() is cat
    assert set(KINDS) == {"life_situation", "service", "form", "authority", "point"}
    assert ws.entries("point")[0]["id"] == cat.point["id"]


def test_a_draft_is_the_editors_own_until_published(ws):
    service = ws.entry("service", "housing_allowance")
    edited = copy.deepcopy(service)
    edited["name"]["sv"] = "Bostadsbidrag (test)"
    draft = ws.save_draft("service", "housing_allowance", edited, "anna")
    assert (draft.state, draft.op, draft.editor, draft.before, draft.after) == (
        "draft",
        "put",
        "anna",
        service,
        edited,
    )
    assert ws.entry("service", "housing_allowance", editor="anna")["name"]["sv"] == "Bostadsbidrag (test)"
    assert ws.entry("service", "housing_allowance")["name"]["sv"] == service["name"]["sv"]
    assert ws.entry("service", "housing_allowance", editor="bertil") == service
    version = ws.version()
    # Saving again replaces the open draft; it keeps what the editor started from.
    edited["name"]["sv"] = "Bostadsbidrag (test 2)"
    again = ws.save_draft("service", "housing_allowance", edited, "anna")
    assert again.id == draft.id and again.before == service and len(ws.drafts("anna")) == 1
    assert ws.version() == version and ws.check("anna") == []
    [published] = ws.publish("anna")
    assert published.state == "published" and published.published_by == "anna" and published.editor == "anna"
    assert ws.drafts() == [] and ws.version() != version
    assert ws.published().services["housing_allowance"]["name"]["sv"] == "Bostadsbidrag (test 2)"
    assert ws.entry("service", "housing_allowance")["name"]["sv"] == "Bostadsbidrag (test 2)"


def test_discard_only_ones_own_draft(ws):
    draft = ws.save_draft("service", "test_municipal_service", new_service(), "anna")
    with pytest.raises(WorkspaceError):
        ws.discard(draft.id, "bertil")
    ws.discard(draft.id, "anna")
    assert ws.drafts() == [] and ws.entry("service", "test_municipal_service", editor="anna") is None
    with pytest.raises(WorkspaceError):
        ws.discard(draft.id, "anna")


def test_a_new_service_is_appended_and_a_delete_removes(ws):
    ws.save_draft("service", "test_municipal_service", new_service(), "anna")
    ws.publish("anna")
    assert list(ws.published().services)[-1] == "test_municipal_service"
    ws.save_draft("service", "test_municipal_service", None, "anna")
    [change] = ws.publish("anna")
    assert change.op == "delete" and change.after is None
    assert "test_municipal_service" not in ws.published().services
    with pytest.raises(WorkspaceError):
        ws.save_draft("service", "test_municipal_service", None, "anna")


def test_an_invalid_draft_cannot_be_published_and_nothing_changes(ws):
    situation = copy.deepcopy(ws.entry("life_situation", "KE8"))
    situation["steps"][0]["service"] = "test_no_such_service"
    situation["name"].pop("sv")
    ws.save_draft("life_situation", "KE8", situation, "anna")
    problems = ws.check("anna")
    assert [(p.file, p.entry, p.field, p.code) for p in problems] == [
        ("life_situations.yml", "KE8", "name.sv", "schema")
    ]
    version = ws.version()
    with pytest.raises(CatalogueError) as error:
        ws.publish("anna")
    assert error.value.problems == problems
    assert ws.version() == version and len(ws.drafts("anna")) == 1 and ws.history() == []
    situation["name"]["sv"] = "Att bli arbetslös"
    ws.save_draft("life_situation", "KE8", situation, "anna")
    [problem] = ws.check("anna")
    assert (problem.field, problem.code) == ("steps.0.service", "unknown_service")


def test_a_step_form_must_be_its_services(ws):
    situation = copy.deepcopy(ws.entry("life_situation", "KE8"))
    situation["steps"][0]["forms"] = ["AT 1"]
    ws.save_draft("life_situation", "KE8", situation, "anna")
    [problem] = ws.check("anna")
    assert (problem.code, problem.field) == ("step_form_not_of_service", "steps.0.forms.0")


def test_publish_chosen_drafts_only(ws):
    first = ws.save_draft("service", "test_municipal_service", new_service(), "anna")
    form = copy.deepcopy(ws.entry("form", "AT 1"))
    form["note"] = "checked"
    second = ws.save_draft("form", "AT 1", form, "anna")
    [published] = ws.publish("anna", ids=[second.id])
    assert published.kind == "form" and [d.id for d in ws.drafts("anna")] == [first.id]
    assert ws.published().forms["AT 1"]["note"] == "checked"
    assert ws.publish("bertil") == []


def test_history_is_attributed_and_revert_publishes_the_inverse(ws):
    service = ws.entry("service", "housing_allowance")
    edited = copy.deepcopy(service)
    edited["description"]["fi"] = "Uusi kuvaus."
    ws.save_draft("service", "housing_allowance", edited, "anna")
    [change] = ws.publish("anna")
    other = copy.deepcopy(ws.entry("service", "housing_allowance"))
    other["verified"] = not other["verified"]
    ws.save_draft("service", "housing_allowance", other, "bertil")
    ws.publish("bertil")
    undo = ws.revert(change.id, "cecilia")
    assert (undo.source, undo.reverts, undo.editor, undo.published_by) == ("revert", change.id, "cecilia", "cecilia")
    reverted = ws.published().services["housing_allowance"]
    # Only the reverted change's field goes back; bertil's later change stays.
    assert reverted["description"] == service["description"] and reverted["verified"] == other["verified"]
    history = ws.history(kind="service", key="housing_allowance")
    assert [(h.editor, h.source, h.reverted) for h in history] == [
        ("cecilia", "revert", False),
        ("bertil", "editor", False),
        ("anna", "editor", True),
    ]
    with pytest.raises(WorkspaceError) as error:
        ws.revert(change.id, "cecilia")
    assert error.value.code == "already_reverted"
    assert ws.history(kind="form") == [] and len(ws.history(limit=1)) == 1


def test_reverting_a_new_entry_deletes_it_and_reverting_a_delete_brings_it_back(ws):
    ws.save_draft("service", "test_municipal_service", new_service(), "anna")
    [added] = ws.publish("anna")
    ws.revert(added.id, "anna")
    assert "test_municipal_service" not in ws.published().services
    form = ws.entry("form", "TO 4")
    # No service names TO 4, so it may go (a form a service names cannot: the loader refuses).
    assert not [s for s in ws.entries("service") if "TO 4" in s["forms"]]
    ws.save_draft("form", "TO 4", None, "anna")
    [deleted] = ws.publish("anna")
    assert "TO 4" not in ws.published().forms
    ws.revert(deleted.id, "anna")
    assert ws.published().forms["TO 4"] == form


def test_a_revert_that_would_break_the_catalogue_is_refused(ws):
    ws.save_draft("service", "test_municipal_service", new_service(), "anna")
    [added] = ws.publish("anna")
    situation = copy.deepcopy(ws.entry("life_situation", "KE9"))
    situation["steps"].append({"service": "test_municipal_service", "note": text("Kysy Testikunnasta.")})
    ws.save_draft("life_situation", "KE9", situation, "anna")
    ws.publish("anna")
    with pytest.raises(CatalogueError) as error:
        ws.revert(added.id, "bertil")
    assert error.value.problems[0].code == "unknown_service"
    assert "test_municipal_service" in ws.published().services


def test_upgrade_merges_field_by_field_and_reports_conflicts(ws, data):
    service = ws.entry("service", "housing_allowance")
    edited = copy.deepcopy(service)
    edited["description"]["fi"] = "Toimittajan kuvaus."
    edited["needs_advisor"] = not service["needs_advisor"]
    ws.save_draft("service", "housing_allowance", edited, "anna")
    [change] = ws.publish("anna")

    def release(document):
        entry = next(s for s in document["services"] if s["id"] == "housing_allowance")
        entry["description"]["fi"] = "Uuden version kuvaus."  # changed on both sides
        entry["name"]["en"] = "General housing allowance (new)"  # only the release changed it
        entry["note"] = "from the new release"  # a new field

    upgrade(data, "services", release)
    merged = ws.published().services["housing_allowance"]
    assert merged["description"]["fi"] == "Toimittajan kuvaus."
    assert merged["needs_advisor"] == edited["needs_advisor"]
    assert merged["name"]["en"] == "General housing allowance (new)"
    assert merged["note"] == "from the new release"
    [conflict] = ws.conflicts()
    assert (conflict.kind, conflict.key, conflict.field, conflict.change_id) == (
        "service",
        "housing_allowance",
        "description",
        change.id,
    )
    assert conflict.base_value["fi"] == "Uuden version kuvaus." and conflict.editor_value["fi"] == "Toimittajan kuvaus."
    # Taking the repository's value settles it; the editor's other field stays.
    ws.resolve(change.id, "description", "bertil", keep="repository")
    assert ws.conflicts() == []
    merged = ws.published().services["housing_allowance"]
    assert merged["description"]["fi"] == "Uuden version kuvaus." and merged["needs_advisor"] == edited["needs_advisor"]


def test_keeping_the_editors_value_settles_a_conflict(ws, data):
    form = copy.deepcopy(ws.entry("form", "AT 1"))
    form["note"] = "editor"
    ws.save_draft("form", "AT 1", form, "anna")
    [change] = ws.publish("anna")
    upgrade(data, "forms", lambda d: next(f for f in d["forms"] if f["code"] == "AT 1").update(note="release"))
    assert [c.field for c in ws.conflicts()] == ["note"]
    ws.resolve(change.id, "note", "anna", keep="editor")
    assert ws.conflicts() == [] and ws.published().forms["AT 1"]["note"] == "editor"


def test_a_release_that_adds_the_editors_new_entry_too_conflicts_until_resolved(ws, data):
    ws.save_draft("service", "test_municipal_service", new_service(), "anna")
    [added] = ws.publish("anna")
    edited = new_service(description=text("Muutettu."))
    ws.save_draft("service", "test_municipal_service", edited, "anna")
    ws.publish("anna")
    # The release brings the same service itself: the editors' fields stand, the one changed on both conflicts.
    release = new_service(description=text("Julkaisun."), note="release")
    upgrade(data, "services", lambda d: d["services"].append(release))
    merged = ws.published().services["test_municipal_service"]
    assert merged["description"]["fi"] == "Muutettu." and merged["note"] == "release"
    [conflict] = ws.conflicts()
    assert (conflict.field, conflict.change_id) == ("description", added.id)
    # The value that stands is shown, not the first edit's.
    assert conflict.base_value == text("Julkaisun.") and conflict.editor_value == text("Muutettu.")
    ws.resolve(added.id, "description", "anna", keep="editor")
    assert ws.conflicts() == []
    # A later release that changes the field again conflicts anew.
    upgrade(data, "services", lambda d: d["services"][-1].update(description=text("Toinen julkaisu.")))
    assert [c.base_value for c in ws.conflicts()] == [text("Toinen julkaisu.")]


def test_an_entry_the_release_removed_stays_and_is_reported(ws, data):
    form = copy.deepcopy(ws.entry("form", "TO 4"))
    form["note"] = "editor"
    ws.save_draft("form", "TO 4", form, "anna")
    [change] = ws.publish("anna")
    upgrade(data, "forms", lambda d: d["forms"].remove(next(f for f in d["forms"] if f["code"] == "TO 4")))
    assert ws.published().forms["TO 4"]["note"] == "editor"
    [conflict] = ws.conflicts()
    assert (conflict.field, conflict.base_value, conflict.change_id) == (WHOLE_ENTRY, None, change.id)
    ws.resolve(change.id, WHOLE_ENTRY, "anna", keep="repository")
    assert "TO 4" not in ws.published().forms and ws.conflicts() == []


def test_merge_entry_rules():
    before = {"a": 1, "b": 2, "c": 3}
    after = {"a": 10, "b": 2, "c": 3, "d": 4}
    current = {"a": 1, "b": 20, "e": 5}
    merged, conflicts = merge_entry(current, before, after)
    # a: only the editor; b: only the base; c: the base removed it; d: the editor added; e: the base added.
    assert merged == {"a": 10, "b": 20, "d": 4, "e": 5} and conflicts == []
    merged, conflicts = merge_entry({"a": 5}, {"a": 1}, {"a": 10})
    assert merged == {"a": 10} and conflicts == [("a", 5, 10)]
    merged, conflicts = merge_entry({"a": 10}, {"a": 1}, {"a": 10})
    assert conflicts == []


def test_a_renamed_entry_is_found_by_its_old_key(ws):
    ws.save_draft("service", "test_municipal_service", new_service(), "anna")
    ws.publish("anna")
    ws.save_draft("service", "test_municipal_service", new_service(id="test_renamed_service"), "anna")
    [renamed] = ws.publish("anna")
    services = ws.published().services
    assert "test_renamed_service" in services and "test_municipal_service" not in services
    ws.revert(renamed.id, "anna")
    assert "test_municipal_service" in ws.published().services


def test_the_point_is_one_entry(ws):
    point = copy.deepcopy(ws.entry("point", "point"))
    point["opening_hours"]["sv"] = "Öppet vardagar 9–16 (test)"
    draft = ws.save_draft("point", "anything", point, "anna")
    assert draft.key == "point"
    ws.publish("anna")
    assert ws.published().point["opening_hours"]["sv"] == "Öppet vardagar 9–16 (test)"
    with pytest.raises(WorkspaceError):
        ws.save_draft("point", "point", None, "anna")


@pytest.mark.parametrize(
    "kind, key, entry, editor",
    [
        ("recipe", "x", {}, "anna"),
        ("service", "", {}, "anna"),
        ("service", "x" * 129, {}, "anna"),
        ("service", "x", {}, "a" * 65),
        ("service", "x", ["not", "a", "mapping"], "anna"),
        ("service", "x", {"note": "x" * 100_001}, "anna"),
    ],
)
def test_bad_requests_are_refused(ws, kind, key, entry, editor):
    with pytest.raises(WorkspaceError):
        ws.save_draft(kind, key, entry, editor)


def test_export_writes_the_published_catalogue_as_yaml_files(ws, tmp_path):
    ws.save_draft("service", "test_municipal_service", new_service(name=text("Testipalvelu – ä")), "anna")
    ws.publish("anna")
    files = ws.export_files()
    assert set(files) == {p.name for p in DEFAULT_DATA_DIR.glob("*.yml")}
    assert "Testipalvelu – ä" in files["services.yml"]  # unicode as is, not escaped
    exported = tmp_path / "exported"
    exported.mkdir()
    for name, body in files.items():
        (exported / name).write_text(body, encoding="utf-8")
    cat = load_catalogue(exported)
    assert list(cat.services)[-1] == "test_municipal_service"
    assert list(cat.services)[:3] == list(load_catalogue().services)[:3]  # file order kept


def broken_row(engine):
    """A published row written past the workspace: a service naming an authority that does not exist."""
    with Session(engine) as session:
        row = CatalogueChange(
            at=now_db(),
            editor="test_intruder",
            kind="service",
            key="test_broken_service",
            op="put",
            before=None,
            after=json.dumps(new_service(id="test_broken_service", authority="test_nobody")),
            state="published",
            published_at=now_db(),
            published_by="test_intruder",
            source="editor",
        )
        session.add(row)
        session.commit()


def test_a_broken_published_catalogue_raises_and_the_live_one_keeps_serving(ws, engine):
    live = LiveCatalogue(ws, check_seconds=0)
    first = live.get()
    assert live.get() is first and live.error is None
    ws.save_draft("service", "test_municipal_service", new_service(), "anna")
    ws.publish("anna")
    second = live.get()
    assert second is not first and "test_municipal_service" in second.services
    broken_row(engine)
    with pytest.raises(CatalogueError):
        ws.published()
    assert live.get() is second
    assert [(p.entry, p.code) for p in live.error] == [("test_broken_service", "unknown_authority")]
    assert "unknown authority 'test_nobody'" in live.error_text
    # The editors' next valid change cannot be published while the catalogue is broken...
    ws.save_draft("form", "AT 1", ws.entry("form", "AT 1") | {"note": "x"}, "anna")
    with pytest.raises(CatalogueError):
        ws.publish("anna")
    # ...and reverting the broken change mends it.
    ws.revert(ws.history(key="test_broken_service")[0].id, "anna")
    mended = live.get()
    assert mended is not second and live.error is None and "test_broken_service" not in mended.services
    ws.publish("anna")
    assert live.get().forms["AT 1"]["note"] == "x"


def test_the_live_catalogue_looks_at_most_every_check_interval(ws):
    now = [100.0]
    live = LiveCatalogue(ws, check_seconds=2, clock=lambda: now[0])
    first = live.get()
    ws.save_draft("service", "test_municipal_service", new_service(), "anna")
    ws.publish("anna")
    now[0] += 1
    assert live.get() is first
    now[0] += 1.5
    assert "test_municipal_service" in live.get().services


def test_starting_with_a_broken_published_catalogue_serves_the_repositorys(ws, engine):
    broken_row(engine)
    live = LiveCatalogue(ws, check_seconds=0)
    assert "test_broken_service" not in live.get().services and live.error


def test_check_seconds_comes_from_the_environment(ws, monkeypatch):
    monkeypatch.setenv("CATALOGUE_CHECK_SECONDS", "0.5")
    assert LiveCatalogue(ws).check_seconds == 0.5
    monkeypatch.delenv("CATALOGUE_CHECK_SECONDS")
    assert LiveCatalogue(ws).check_seconds == 2
