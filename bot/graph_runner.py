"""Rasa's prediction graph run node by node in an order worked out once per set of targets (issue 16).

Rasa 3.6 runs its model graph (the NLU pipeline for every message, the policies for every prediction:
twice a message) through `DaskGraphRunner`, which on every run walks the schema for the targets' nodes
again (recursively, without remembering a shared dependency), builds a dask graph and has dask order and
schedule it in one thread. In bench/load.py's profile that bookkeeping was 11 % of a Rasa instance's
CPU, beside 43 % for the nodes' own work. The graph is fixed once a model is loaded, so this runner
works the order out once per set of targets and then calls the same `GraphNode`s, with the same inputs,
in that order. bot/server.py puts it in the place of `DaskGraphRunner` where Rasa's `MessageProcessor`
loads a model; training and `rasa test` keep Rasa's.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

Plan = list[tuple[str, list[str]]]  # (node, the names its inputs come from) in the order they run


class SequentialGraphRunner(DaskGraphRunner):
    """DaskGraphRunner's `run` without dask: the same nodes, called in an order planned once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, ...], Plan] = {}
        self._planned: dict[tuple[str, ...], frozenset[str]] = {}  # each plan's node names, for the input check

    def plan(self, targets: list[str]) -> Plan:
        """Every node the targets need, each after the nodes it needs (depth first, each once)."""
        key = tuple(targets)
        if key not in self._plans:
            nodes = self._graph_schema.nodes
            ordered: Plan = []
            seen: set[str] = set()

            def visit(name: str) -> None:
                if name in seen or name not in nodes:  # an input placeholder is not a node
                    return
                seen.add(name)
                needs = list(nodes[name].needs.values())
                for need in needs:
                    visit(need)
                ordered.append((name, needs))

            for target in targets:
                visit(target)
            self._plans[key] = ordered
            self._planned[key] = frozenset(name for name, _ in ordered)
        return self._plans[key]

    def run(self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        """The targets' outputs by node name, as DaskGraphRunner.run returns them."""
        run_targets = targets if targets else self._graph_schema.target_names
        plan = self.plan(run_targets)
        # As in the dask graph: an input is the pair (its name, its value), and a name that is neither a
        # node nor an input stands for itself.
        results: dict[str, Any] = {}
        planned = self._planned[tuple(run_targets)]
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and (value in results or value in planned):
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the input names "
                    f"passed to the `run` method are the same as node names in the graph schema."
                )
            results[name] = (name, value)
        try:
            for name, needs in plan:
                results[name] = self._instantiated_nodes[name](*(results.get(need, need) for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        # dask returns the targets' (node name, output) pairs, which Rasa makes a dict.
        return dict(results[target] for target in run_targets)
