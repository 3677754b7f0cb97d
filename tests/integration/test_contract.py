"""The API contract: Schemathesis (pinned) holds `make run`'s server to docs/openapi.json.

Every operation, every check, all four phases (examples, coverage, fuzzing, and stateful sequences that follow
the document's links), 40 requests per operation and phase, a fixed seed: zero failures. `make fuzz` runs 100.
"""

import re

from local.contract import check_contract

EXAMPLES = 40


def test_schemathesis_finds_no_failure_in_any_phase():
    result = check_contract(EXAMPLES, seed=1)  # on a DynamoDB Local of its own: the examples use fixed users

    report = result.stdout
    print(report[report.find("SUMMARY") :])
    assert result.returncode == 0, report[-6000:] + result.stderr[-2000:]
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅ {phase}", report), f"the {phase} phase did not run and pass"
    generated = int(re.search(r"(\d+) generated", report).group(1))  # type: ignore[union-attr]
    assert generated >= 15 * EXAMPLES, f"only {generated} requests were generated"
