"""The tests of every question catch at least 90% of typical wrong variants of its answer.

tests/mutants.py makes the variants (operator swapped, constant changed, transpose dropped,
term dropped, sign lost, result scaled) from each reference answer and runs the question's
test cell, hidden tests included, on each. A variant the tests let through is printed, so the
hidden tests can be strengthened where it matters. Questions whose answer is a free choice
(OPEN_CHOICES in tests/mistakes/<assignment>.py) are not counted.
"""

import json
import subprocess
import sys

import pytest

from tests.notebooks import REPO

SOURCES = sorted((REPO / "solutions").glob("*/*.ipynb"))
REQUIRED_SHARE = 0.90


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.parent.name)
def test_hidden_tests_catch_typical_wrong_answers(source):
    result = subprocess.run(
        [sys.executable, "-m", "tests.mutants", str(source)],
        cwd=REPO, capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    unknown = set(report["open"]) - set(report["questions"])
    assert not unknown, f"OPEN_CHOICES names questions that are not autograded answers: {sorted(unknown)}"
    counted = {question: variants for question, variants in report["questions"].items() if question not in report["open"]}
    outcomes = [variant for variants in counted.values() for variant in variants]
    caught = sum(variant["caught"] for variant in outcomes)
    survivors = [
        f"  {question}: {variant['mutation']}\n      {variant['code'][:300]!r}"
        for question, variants in counted.items()
        for variant in variants
        if not variant["caught"]
    ]
    share = caught / len(outcomes)
    print(f"\n{source.parent.name}: {caught} of {len(outcomes)} wrong variants caught ({share:.1%})")
    for question, reason in report["open"].items():
        print(f"  not counted, {question} is a free choice: {reason}")
    assert len(outcomes) >= 2 * len(counted), "too few variants to measure anything"
    assert share >= REQUIRED_SHARE, (
        f"only {share:.1%} of wrong variants lose points (need {REQUIRED_SHARE:.0%}); these pass the tests:\n"
        + "\n".join(survivors)
    )
