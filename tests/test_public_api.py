"""docs/api.md is executed: every ```python block, in order, in one namespace (so the documentation cannot
drift from the code).  The examples carry their own checks (e.g. real-axis λ_c against the Matsubara one)."""
import re

from conftest import ROOT


def test_api_examples_run():
    text = (ROOT / "docs" / "api.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/api.md[block {i}]", "exec"), namespace)
