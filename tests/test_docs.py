"""The documentation's code runs: every Python example in docs/ and README.md is a doctest.

pytest collects the ``>>>`` lines of every ``docs/*.rst`` page (``--doctest-glob``); this
file makes sure no Python block escapes that by being written without prompts.
"""

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("*.rst"))
_BLOCK = re.compile(r"^\.\. code-block:: (?:python|pycon)\s*\n((?:\n|[ \t]+.*\n)*)", re.M)


def _python_blocks(text: str) -> list[str]:
    return [m.group(1) for m in _BLOCK.finditer(text)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_python_block_is_a_doctest(page: Path) -> None:
    for block in _python_blocks(page.read_text()):
        assert ">>>" in block, (
            f"{page.name}: a Python block without >>> prompts never runs:\n{block}"
        )


def test_readme_examples_run() -> None:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README.md has no Python example"
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    for i, block in enumerate(blocks):
        assert ">>>" in block, f"README.md: a Python block without >>> prompts:\n{block}"
        test = doctest.DocTestParser().get_doctest(block, {}, f"README[{i}]", "README.md", 0)
        runner = doctest.DocTestRunner(optionflags=flags)
        runner.run(test)
        assert runner.failures == 0, f"README.md example {i} fails (see the output above)"
