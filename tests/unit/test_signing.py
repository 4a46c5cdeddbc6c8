"""The webhook signature: what the service sends verifies, tampering or another secret does not,
and the README's snippet for receivers agrees with the service."""

from __future__ import annotations

import re

from integrations.signing import sign, verify_signature
from tests.conftest import REPO

SECRET = "whsec_test"
BODY = '{"event":"cluster.verdict_set","cluster":{"id":1,"label":"وفاة 12 شخصا"}}'.encode()


def test_a_signed_body_verifies_only_with_its_secret_body_and_time():
    header = sign(SECRET, BODY, timestamp=1_800_000_000)
    assert re.fullmatch(r"t=1800000000,v1=[0-9a-f]{64}", header)
    assert verify_signature(SECRET, header, BODY, now=1_800_000_100)
    assert not verify_signature("whsec_other", header, BODY, now=1_800_000_100)
    assert not verify_signature(SECRET, header, BODY.replace(b"12", b"13"), now=1_800_000_100)
    assert not verify_signature(SECRET, header, BODY, now=1_800_000_301)  # outside the tolerance
    assert not verify_signature(SECRET, header.replace("t=1800000000", "t=1800000001"), BODY, now=1_800_000_000)
    for garbage in ("", "t=,v1=", "v1=abc", "t=abc,v1=00", "nonsense"):
        assert not verify_signature(SECRET, garbage, BODY)


def test_the_readme_snippet_verifies_what_the_service_signs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(import hashlib, hmac, time\n.*?)```", readme, re.DOTALL).group(1)
    assert len(snippet.strip().splitlines()) <= 12
    namespace: dict = {}
    exec(snippet, namespace)  # the project's own README
    readme_verify = namespace["verify_signature"]
    header = sign(SECRET, BODY)
    assert readme_verify(SECRET, header, BODY)
    assert not readme_verify("whsec_other", header, BODY)
    assert not readme_verify(SECRET, header, BODY + b"x")
    assert not readme_verify(SECRET, sign(SECRET, BODY, timestamp=1_000_000_000), BODY)
