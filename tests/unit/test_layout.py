"""The layout's rules, read from the source: the hub's packages stand in an order and import
only downwards; the tables are the store's own; kafka-python is the Kafka package's own.

docs/architecture.md explains the order. A module that needs something from a package above
it is in the wrong room: move it down, or move the thing it needs down.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

HUB = Path(__file__).resolve().parents[2] / "hub"

# Lowest first. A module may import from its own layer and the layers before it.
LAYERS: tuple[tuple[str, ...], ...] = (
    # vocabulary and output formats without I/O or hub imports
    ("hub.errors", "hub.domain", "hub.csv_cells", "hub.templates"),
    ("hub.config",),
    ("hub.policy",),
    ("hub.store",),
    ("hub.kafka",),
    ("hub.ledger",),
    ("hub.membership",),
    ("hub.sanctions",),
    ("hub.lists",),
    ("hub.pipeline",),
    ("hub.pipeline.worker",),
    ("hub.reports",),
    ("hub.service",),
    ("hub.api",),
    ("hub.cli", "hub.demo", "hub.benchmark", "hub.__main__"),
)


def layer_of(module: str) -> int | None:
    """The layer of a hub module: its longest matching package prefix wins."""
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for index, packages in enumerate(LAYERS):
        for package in packages:
            if module == package or module.startswith(package + "."):
                if best is None or len(package) > best[0]:
                    best = (len(package), index)
    return None if best is None else best[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(HUB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str, is_package: bool) -> Iterator[str]:
    """Every module `source` imports, absolute, including each `from x import y` as x.y."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def hub_modules() -> Iterator[tuple[str, str, bool]]:
    for path in sorted(HUB.rglob("*.py")):
        yield module_name(path), path.read_text(encoding="utf-8"), path.name == "__init__.py"


def upward_imports(module: str, imported: str) -> bool:
    own, other = layer_of(module), layer_of(imported)
    return own is not None and other is not None and other > own


def test_every_hub_package_has_a_layer() -> None:
    missing = [m for m, _, _ in hub_modules() if m != "hub" and layer_of(m) is None]
    assert missing == []


def test_no_module_imports_from_a_layer_above_it() -> None:
    upward = sorted(
        f"{module} -> {imported}"
        for module, source, is_package in hub_modules()
        for imported in set(imports_of(source, module, is_package))
        if upward_imports(module, imported)
    )
    assert upward == []


def test_only_the_store_imports_the_tables() -> None:
    outside = sorted(
        module
        for module, source, is_package in hub_modules()
        if not module.startswith("hub.store")
        and any(
            i == "hub.store.schema" or i.startswith("hub.store.schema.")
            for i in imports_of(source, module, is_package)
        )
    )
    assert outside == []


def test_only_hub_kafka_imports_kafka_python() -> None:
    outside = sorted(
        module
        for module, source, is_package in hub_modules()
        if not module.startswith("hub.kafka")
        and any(
            i == "kafka" or i.startswith("kafka.") for i in imports_of(source, module, is_package)
        )
    )
    assert outside == []


@pytest.mark.parametrize(
    ("module", "source", "found"),
    [
        ("hub.policy.rules", "from hub.lists import documents", True),
        ("hub.lists.tasks", "from hub.policy.rules import Policy", False),
        ("hub.pipeline.effects", "from hub.pipeline.worker.runner import run", True),
        ("hub.pipeline.worker.runner", "from ..effects import write", False),
        ("hub.store.members", "from ..api import app", True),
    ],
)
def test_the_checker_sees_an_upward_import(module: str, source: str, found: bool) -> None:
    # The rules above pass on an empty list; this shows the checker would fill it.
    imported = imports_of(source, module, is_package=False)
    assert any(upward_imports(module, i) for i in imported) is found
