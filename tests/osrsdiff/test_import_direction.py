"""Imports run one way (docs/architecture.md, "Apps and imports"):
`osrsdiff -> groups -> progress -> players -> hiscores`, with the `api/` toolkit below the
apps. Read from the source with `ast`, so an import inside a function or under
`TYPE_CHECKING` counts as much as one at the top of a module. Migrations are
read too, and what ties apps together without an import statement counts as
one: a relation to `"app.Model"`, and a migration's dependency on another app."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Which other first-party packages each package may import.
MAY_IMPORT: dict[str, set[str]] = {
    "osrsdiff": {"webhooks", "groups", "progress", "players", "hiscores", "api"},
    "webhooks": {"groups", "progress", "players", "hiscores", "api"},
    "groups": {"progress", "players", "hiscores", "api"},
    "progress": {"players", "hiscores", "api"},
    "players": {"hiscores", "api"},
    "hiscores": set(),
    "api": set(),
}
# First-party too, but for no package above to import.
NOT_FOR_THE_PACKAGES = {"tests", "bench"}
RELATIONS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def first_party() -> set[str]:
    return {init.parent.name for init in ROOT.glob("*/__init__.py")}


def _import_target(node: ast.ImportFrom, package: tuple[str, ...]) -> str:
    if node.level == 0:
        return node.module or ""
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, *filter(None, [node.module])])


def _relation_target(call: ast.Call) -> str | None:
    """The "app.Model" a ForeignKey, OneToOneField or ManyToManyField points at."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in RELATIONS:
        return None
    to = [keyword.value for keyword in call.keywords if keyword.arg == "to"] or call.args[:1]
    if to and isinstance(to[0], ast.Constant) and "." in str(to[0].value):
        return str(to[0].value)
    return None


def _migration_dependencies(node: ast.Assign) -> Iterator[tuple[int, str]]:
    if any(isinstance(t, ast.Name) and t.id == "dependencies" for t in node.targets):
        for dependency in getattr(node.value, "elts", []):
            if isinstance(dependency, ast.Tuple) and isinstance(dependency.elts[0], ast.Constant):
                yield dependency.lineno, f"{dependency.elts[0].value} (migration)"


def dependencies(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of everything the file depends on in another module."""
    package = path.parent.relative_to(ROOT).parts
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, _import_target(node, package)
        elif isinstance(node, ast.Call) and (target := _relation_target(node)):
            yield node.lineno, f"{target} (relation)"
        elif isinstance(node, ast.Assign) and path.parent.name == "migrations":
            yield from _migration_dependencies(node)


def wrong_way(package: str) -> list[str]:
    allowed = {package, *MAY_IMPORT[package]}
    known = first_party()
    offences = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, name in dependencies(path):
            top = name.partition(".")[0].partition(" ")[0]
            if top in known and top not in allowed:
                offences.append(f"{path.relative_to(ROOT)}:{line}: {package} -> {name}")
    return offences


def test_every_package_has_a_rule():
    assert first_party() - NOT_FOR_THE_PACKAGES == set(MAY_IMPORT)


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_imports_run_one_way(package):
    offences = "\n".join(wrong_way(package))
    allowed = ", ".join(sorted(MAY_IMPORT[package])) or "no other first-party package"
    assert not offences, f"{package} may import {allowed}; these run the wrong way:\n{offences}"
