"""Every stylesheet of the project parses: braces balance and no rule is left open (an open
rule silently swallows every rule after it in the browser)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHEETS = sorted((ROOT / "static" / "css").glob("*.css"))


@pytest.mark.parametrize("path", SHEETS, ids=lambda p: p.name)
def test_braces_balance_and_no_rule_opens_inside_a_rule(path):
    text = re.sub(r"/\*.*?\*/", "", path.read_text("utf-8"), flags=re.S)
    depth, at_rule_depths = 0, []
    for number, line in enumerate(text.split("\n"), 1):
        for char in line:
            if char == "{":
                # a rule may open inside an at-rule (@media, @supports), never inside a rule
                opens_at_rule = line.strip().startswith("@")
                assert depth == len(at_rule_depths), f"{path.name}:{number}: rule inside a rule"
                if opens_at_rule:
                    at_rule_depths.append(depth)
                depth += 1
            elif char == "}":
                depth -= 1
                assert depth >= 0, f"{path.name}:{number}: '}}' without '{{'"
                if at_rule_depths and at_rule_depths[-1] == depth:
                    at_rule_depths.pop()
    assert depth == 0, f"{path.name}: {depth} rule(s) left open"


def test_there_are_stylesheets():
    assert any(p.name == "studio.css" for p in SHEETS)
