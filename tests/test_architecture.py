"""The pipeline you can see: bookbuild's imports flow one way, stage by stage, with no cycle.

cli → build → read / writers → book, xhtml → config → errors. The test reads every module's
imports (ast), those inside functions included, and fails on an import that goes up a layer, on
a writer that reaches back into reading, and on any cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "bookbuild"

# Lowest first: a module may import from its own layer's package or from a lower layer.
LAYERS: list[set[str]] = [
    {"bookbuild", "bookbuild.errors"},
    {"bookbuild.output", "bookbuild.progress", "bookbuild.yaml_text", "bookbuild.css_policy"},
    {"bookbuild.config", "bookbuild.theme"},
    {"bookbuild.xhtml"},
    {"bookbuild.book"},
    {"bookbuild.markdown_ext", "bookbuild.html_policy"},
    {"bookbuild.read"},
    {"bookbuild.pdf"},
    {"bookbuild.epub", "bookbuild.cover"},  # the cover is set by the PDF writer's typesetter
    {"bookbuild.checks"},
    {"bookbuild.build"},
    {"bookbuild.commands"},
    {"bookbuild.preview", "bookbuild.reference", "bookbuild.importers"},
    {"bookbuild.cli"},
    {"bookbuild.__main__"},
]
WRITERS = ("bookbuild.epub", "bookbuild.pdf", "bookbuild.cover")
# What a writer may not import: it reads the Book, never a source.
READING = ("bookbuild.read", "bookbuild.markdown_ext", "bookbuild.html_policy",
           "bookbuild.yaml_text")


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The bookbuild modules `path` imports (a name imported from a package counts as the
    submodule when there is one)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "bookbuild"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "bookbuild":
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
    return found


def _layer(module: str) -> int:
    for rank, layer in enumerate(LAYERS):
        if any(module == top or module.startswith(top + ".") for top in layer - {"bookbuild"}) \
                or module == "bookbuild":
            return rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def test_every_module_has_a_layer():
    for module in _modules():
        _layer(module)


def test_imports_flow_down_the_pipeline():
    upward = [f"{module} → {target}" for module, targets in _graph().items()
              for target in targets
              if _package(module) != _package(target) and _layer(target) >= _layer(module)
              and target != "bookbuild"]
    assert upward == []


def test_writers_read_only_the_model():
    reaching_back = [f"{module} → {target}" for module, targets in _graph().items()
                     if module.startswith(WRITERS) for target in targets
                     if target.startswith(READING)]
    assert reaching_back == []


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append(" → ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_check_finds_an_upward_import_and_a_cycle(tmp_path, monkeypatch):
    """The rules above can fail: a tiny package with both faults is caught."""
    package = tmp_path / "bookbuild"
    (package / "config").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "errors.py").write_text("from bookbuild.config import load\n")
    (package / "config" / "__init__.py").write_text("from bookbuild.errors import Problem\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", package)
    assert "bookbuild.errors → bookbuild.config" in " ".join(
        f"{m} → {t}" for m, ts in _graph().items() for t in ts if _layer(t) >= _layer(m)
        and _package(m) != _package(t))
    try:
        test_no_import_cycle()
    except AssertionError as failed:
        assert "bookbuild.errors" in str(failed)
    else:
        raise AssertionError("the cycle went unseen")


def test_every_section_role_has_its_semantics_and_book_yaml_knows_the_authors_roles():
    from typing import get_args

    from bookbuild.book import SEMANTICS, Role
    from bookbuild.config import ROLES

    assert set(SEMANTICS) == set(get_args(Role))
    assert set(ROLES) <= set(get_args(Role))


def _public_functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Module-level functions and the methods of public classes whose names are public (dunder
    methods included)."""
    found = []

    def walk(body: list[ast.stmt], public: bool) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                walk(node.body, public and not node.name.startswith("_"))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and public and (
                    not node.name.startswith("_") or node.name.endswith("__")):
                found.append(node)

    walk(tree.body, True)
    return found


def test_public_functions_are_annotated():
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for function in _public_functions(ast.parse(path.read_text(encoding="utf-8"))):
            args = function.args
            named = [a for a in args.posonlyargs + args.args + args.kwonlyargs
                     if a.arg not in ("self", "cls")]
            unannotated = [a.arg for a in [*named, args.vararg, args.kwarg]
                           if a is not None and a.annotation is None]
            if function.returns is None and function.name != "__init__":
                unannotated.append("return")
            if unannotated:
                missing.append(f"{_name(path)}.{function.name}: {', '.join(unannotated)}")
    assert missing == []
