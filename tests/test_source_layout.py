"""The source tree keeps the shape the design gives it (docs/conventions.rst, "Layout")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "custvalue"
FILES = sorted(SRC.rglob("*.py"))
PUBLIC = ["rfm", "clv", "tiers", "commission", "loyalty"]
DOMAINS = ["_rfm", "_clv", "_tiers", "_commission", "_loyalty"]
MAX_BODY = 150


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring does not count
    if not body:
        return 0
    return (body[-1].end_lineno or body[-1].lineno) - body[0].lineno + 1


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_function_body_is_longer_than_150_lines(path: Path) -> None:
    tree = ast.parse(path.read_text())
    long = [
        f"{node.name} ({_body_lines(node)} lines, line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and _body_lines(node) > MAX_BODY
    ]
    assert not long, f"{path.name}: {', '.join(long)}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_hidden_coupling(path: Path) -> None:
    text = path.read_text()
    assert ".attrs[" not in text and ".attrs.get(" not in text, "state carried in DataFrame.attrs"
    tree = ast.parse(text)
    top_asserts = [n.lineno for n in tree.body if isinstance(n, ast.Assert)]
    assert not top_asserts, f"asserts at import time, lines {top_asserts}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_domains_import_only_the_core_and_public_modules(path: Path) -> None:
    rel = path.relative_to(SRC)
    # a private package's own code, or its public facade (rfm.py is the face of _rfm/)
    own = rel.parts[0] if len(rel.parts) > 1 else f"_{rel.stem}"
    for match in re.finditer(r"^\s*(?:from|import) custvalue\.(\w+)", path.read_text(), re.M):
        target = match.group(1)
        if target in DOMAINS and target != own:
            # another domain's private package: only through its public module
            pytest.fail(f"{rel} imports custvalue.{target} (private to another domain)")
        if own == "_core":
            assert target in ("_core", "errors"), f"{rel}: the core imports custvalue.{target}"
