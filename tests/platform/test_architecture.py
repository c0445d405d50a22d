"""The shape of the code: areas that do not import in circles, a domain that never reaches up
into the web layer, small modules, docs that name only what exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "likeness"
# The domain (`likeness`) and the three web packages on top of it.
WEB_PACKAGES = ("portal", "admin", "api")
MAX_MODULE_LINES = 400
AREAS = ("library", "consent", "dsr", "staff", "cockpit", "integrations")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for top in ("likeness", *WEB_PACKAGES)
            for p in (ROOT / top).rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every `likeness` module this file imports, at the top or inside a function:
    an import hidden in a function is still a dependency."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from likeness.x import y` imports module y when y is a module.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for succ in graph[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return result


def test_no_import_cycle_in_the_domain_or_the_web_layer():
    graph = _graph()
    assert len(graph) > 50  # the walk really found the packages
    assert {name.split(".")[0] for name in graph} == {"likeness", *WEB_PACKAGES}
    assert _cycles(graph) == []


def test_no_domain_area_imports_the_web_layer():
    """The areas (and the engine and platform under them) know nothing of pages: the views
    call the domain, never the other way round. Only the app factory joins them."""
    graph = _graph()
    offenders = {
        (module, imported)
        for module, imports in graph.items()
        if module.split(".")[0] == "likeness" and len(module.split(".")) > 1
        and module.split(".")[1] in (*AREAS, "faces", "platform", "models")
        for imported in imports
        if imported.split(".")[0] in WEB_PACKAGES or imported.startswith("likeness.web")
    }
    assert offenders == set()


def test_the_web_layer_is_split_by_area():
    """The staff side has one package per domain area, named like it."""
    for area in AREAS:
        assert (ROOT / "admin" / area / "__init__.py").is_file(), area


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_platform_imports_no_area():
    graph = _graph()
    offenders = {
        (module, imported)
        for module, imports in graph.items() if module.startswith("likeness.platform")
        for imported in imports if imported.split(".")[1] in (*AREAS, "faces", "web")
    }
    assert offenders == set()


def test_no_module_is_longer_than_400_lines():
    """In the domain and in the web layer alike."""
    long = {name: len(path.read_text().splitlines()) for name, path in _modules().items()
            if len(path.read_text().splitlines()) > MAX_MODULE_LINES}
    assert long == {}


def test_every_package_the_architecture_guide_names_exists():
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`(likeness/[a-z_/]+?)/?`", text))
    assert len(named) >= 8
    missing = [n for n in named if not ((ROOT / n).is_dir() or (ROOT / f"{n}.py").is_file())]
    assert missing == []


def test_the_code_reads_nothing_from_the_test_suite():
    """The demo's photos ship with the code (likeness/demo_photos): an installation without
    tests/ still runs `flask seed-demo`."""
    def names_the_tests(path: Path) -> bool:
        return any(isinstance(node, ast.Constant) and isinstance(node.value, str)
                   and (node.value == "tests" or node.value.startswith("tests/"))
                   for node in ast.walk(ast.parse(path.read_text())))

    assert [name for name, path in _modules().items() if names_the_tests(path)] == []


def test_the_tests_mirror_the_areas():
    """Tests live in folders named like the code they test; what they share is in
    tests/support. Nothing else sits at the top of tests/."""
    tests = ROOT / "tests"
    loose = sorted(p.name for p in tests.glob("*.py") if p.name not in {"conftest.py",
                                                                       "__init__.py"})
    assert loose == []
    folders = {p.name for p in tests.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == {*AREAS, "faces", "platform", "web", "journeys", "load", "support"}


def test_lazy_text_comes_from_likeness_translation():
    """Flask-Babel's `lazy_gettext` finds the catalogue through three reads of `g` per
    label shown; ours (likeness.translation) through the one kept per request."""
    def imports_flask_babels_lazy_text(path: Path) -> bool:
        return any(isinstance(node, ast.ImportFrom) and node.module == "flask_babel"
                   and any(alias.name.startswith("lazy_") for alias in node.names)
                   for node in ast.walk(ast.parse(path.read_text())))

    assert [name for name, path in _modules().items()
            if imports_flask_babels_lazy_text(path)] == []
