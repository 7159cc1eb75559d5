"""The import rules of docs/architecture.md: libraries never import commands, and each library
folder imports only the folders its row of the table names."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "raster"

#: the table of docs/architecture.md: library unit -> the raster units it may import
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "progress": set(),
    "paths": {"errors"},
    "labels": {"errors"},
    "data": {"errors", "paths", "progress", "labels"},
    "metrics": set(),
    "losses": {"metrics"},
    "models": {"metrics"},
    "engine": {"data", "models", "losses", "metrics", "errors", "paths", "progress", "labels"},
    "inference": {"data", "engine", "models", "metrics", "errors", "paths", "progress", "labels"},
    "evaluation": {
        *("api", "data", "engine", "inference", "metrics", "pdf", "errors", "progress", "labels"),
    },
    "reporting": {"data", "inference", "metrics", "errors", "paths", "progress", "labels"},
    "pdf": {"data", "inference", "reviewing", "errors", "paths", "progress", "labels"},
    "reviewing": {"data", "inference", "pdf", "errors", "paths", "progress", "labels"},
    "weights": set(),
    "debug": set(),  # its package marker; the tool itself is a command
    "api": {"__init__", "data", "inference", "pdf", "errors", "paths", "progress", "labels"},
    "jobs": {"api", "inference", "pdf", "errors", "paths", "labels"},
    "__init__": {"api"},
    "dataset": {"data"},  # compatibility re-export for the user's guide
    "model": {"models"},  # compatibility re-export for the user's guide
    # the commands' shared layer (logging, flags, exit codes): libraries only
    "cli": {"engine", "inference", "errors", "progress", "labels"},
}


def command_modules() -> set[str]:
    """Dotted names of the ``python -m`` commands: top-level modules with a ``main``, every
    ``__main__``, and the debug tools."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        dotted = ".".join(rel.parts)
        tree = ast.parse(path.read_text())
        has_main = any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body)
        top_level = len(rel.parts) == 2
        if path.name == "__main__.py" or (has_main and (top_level or rel.parts[1] == "debug")):
            found.add(dotted)
    return found


def unit_of(dotted: str) -> str:
    """``raster.data.fonts`` -> ``data``; ``raster.cli`` -> ``cli``; ``raster`` -> ``__init__``."""
    return dotted.split(".")[1] if dotted.count(".") >= 1 else "__init__"


def _is_module(name: str) -> bool:
    return (PACKAGE / f"{name}.py").is_file() or (PACKAGE / name / "__init__.py").is_file()


def raster_imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every ``raster`` import in ``path``, lazy ones included."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "raster":  # a submodule, or a name of the package itself
                out += [
                    (node.lineno, f"raster.{a.name}" if _is_module(a.name) else "raster")
                    for a in node.names
                ]
            elif node.module.startswith("raster."):
                out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("raster.")]
    return out


def library_files() -> list[tuple[Path, str]]:
    commands = command_modules()
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        dotted = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if dotted.endswith(".__init__"):
            dotted = dotted[: -len(".__init__")]
        if dotted not in commands:
            files.append((path, dotted))
    return files


def test_the_commands_are_found():
    commands = command_modules()
    assert {"raster.train", "raster.ingest", "raster.identify", "raster.pdf.__main__"} <= commands
    assert "raster.debug.test_gradient_flow" in commands
    assert not any(c.startswith(("raster.data.", "raster.engine.")) for c in commands)


def test_libraries_never_import_commands():
    commands = command_modules()
    bad = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports the command {mod}"
        for path, _ in library_files()
        for line, mod in raster_imports(path)
        if mod in commands
    ]
    assert bad == []


def test_each_library_imports_only_what_its_row_allows():
    bad = []
    for path, dotted in library_files():
        unit = "__init__" if dotted == "raster" else unit_of(dotted)
        if unit not in MAY_IMPORT:
            bad.append(f"{dotted}: its folder has no row in docs/architecture.md's table")
            continue
        for line, mod in raster_imports(path):
            other = unit_of(mod)
            if other != unit and other not in MAY_IMPORT[unit]:
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({unit}) imports {mod}")
    assert bad == []


def test_the_table_in_the_docs_matches():
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    for unit, allowed in MAY_IMPORT.items():
        name = unit if unit in ("__init__",) or (PACKAGE / f"{unit}.py").exists() else unit + "/"
        row = next((r for r in doc.splitlines() if r.startswith(f"| `{name}` |")), None)
        assert row is not None, f"docs/architecture.md: no row for {name}"
        cell = row.rstrip(" |").rsplit("|", 1)[1]
        listed = {w.strip(" `/") for w in cell.split(",") if w.strip(" `/—-")}
        assert listed == allowed, (
            f"{name}: the docs list {sorted(listed)}, the test {sorted(allowed)}"
        )
