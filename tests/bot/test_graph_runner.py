"""bot/graph_runner.py gives what Rasa's DaskGraphRunner gives: on a small graph, and on the trained model."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

from bot.graph_runner import SequentialGraphRunner

MODEL = Path(__file__).resolve().parents[2] / "models" / "assistant.tar.gz"
CALLS: list[str] = []


class Join(GraphComponent):
    """Joins its inputs' values with its own name, and counts its calls."""

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: Any, resource: Any, execution_context: Any) -> Join:
        return cls(config["name"])

    def join(self, **inputs: Any) -> str:
        CALLS.append(self.name)
        if inputs.get("first") == "fail":
            raise RuntimeError("asked to fail")
        return "(" + " ".join([self.name, *(str(inputs[key]) for key in sorted(inputs))]) + ")"


def node(name: str, **needs: str) -> SchemaNode:
    """A Join node that takes its keyword inputs from the named nodes or inputs."""
    return SchemaNode(needs=needs, uses=Join, constructor_name="create", fn="join", config={"name": name})


# A diamond on an input (a <- b, c <- d), a node apart (e) and a node of its own input (f).
SCHEMA = GraphSchema(
    {
        "a": node("a", first="__input__"),
        "b": node("b", first="a"),
        "c": node("c", first="a"),
        "d": node("d", first="b", second="c"),
        "e": node("e", first="__input__"),
        "f": node("f", first="__other__"),
    }
)


def runners(tmp_path: Path) -> tuple[DaskGraphRunner, SequentialGraphRunner]:
    """Rasa's runner and ours on SCHEMA."""
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(graph_schema=SCHEMA, model_id="1")
    return DaskGraphRunner(SCHEMA, storage, context), SequentialGraphRunner(SCHEMA, storage, context)


@pytest.mark.parametrize("targets", [["d"], ["d", "e"], ["b"], ["e", "a"], None])
def test_the_targets_get_what_dask_gives_each_node_run_once(tmp_path, targets):
    rasas, ours = runners(tmp_path)
    CALLS.clear()
    expected = rasas.run(inputs={"__input__": "x", "__other__": "y"}, targets=targets)
    rasas_calls = sorted(CALLS)
    CALLS.clear()
    assert ours.run(inputs={"__input__": "x", "__other__": "y"}, targets=targets) == expected
    assert sorted(CALLS) == rasas_calls and len(CALLS) == len(set(CALLS))


def test_a_missing_input_is_passed_as_its_name_and_the_node_says_so(tmp_path):
    rasas, ours = runners(tmp_path)
    with pytest.raises(GraphRunError, match="Missing input") as rasa_error:
        rasas.run(inputs={}, targets=["a"])
    with pytest.raises(GraphRunError, match="Missing input") as our_error:
        ours.run(inputs={}, targets=["a"])
    assert str(our_error.value) == str(rasa_error.value)


def test_an_input_named_like_a_node_and_a_failing_node_raise_as_with_dask(tmp_path):
    rasas, ours = runners(tmp_path)
    for runner in (rasas, ours):
        with pytest.raises(GraphRunError, match="clashes"):
            runner.run(inputs={"__input__": "b"}, targets=["d"])
        with pytest.raises(GraphComponentException, match="node a"):
            runner.run(inputs={"__input__": "fail"}, targets=["a"])


@pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model (make model)")
def test_the_trained_model_parses_and_predicts_as_with_dask(monkeypatch):
    """Both runners on models/assistant.tar.gz: the same parse data and the same next action and events."""
    import rasa.core.processor
    from rasa.core.agent import Agent
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    texts = ["Hei", "Tarvitsen lomakkeen yleistä asumistukea varten", "Var hittar jag blanketten för barnbidrag?"]
    texts += ["We just had a baby", "haluan puhua ihmisen kanssa", "/choose_language", "Mun puhelin on 040 1234567"]

    def outcomes(agent: Agent) -> list[Any]:
        found = []
        for text in texts:
            parsed = asyncio.run(agent.parse_message(text))
            tracker = DialogueStateTracker.from_events(
                "runner",
                [ActionExecuted("action_listen"), UserUttered(text, parsed["intent"], parsed["entities"], parsed)],
            )
            prediction = agent.processor._predict_next_with_tracker(tracker)  # type: ignore[union-attr]
            found.append((parsed, prediction.max_confidence_index, prediction.policy_name, prediction.events))
        return found

    rasas = Agent.load(str(MODEL))
    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", SequentialGraphRunner)
    ours = Agent.load(str(MODEL))
    assert isinstance(ours.processor.graph_runner, SequentialGraphRunner)  # type: ignore[union-attr]
    assert outcomes(ours) == outcomes(rasas)
