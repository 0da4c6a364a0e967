from __future__ import annotations

import pytest

from gateway.auth.bearer import bearer_token
from gateway.errors import InvalidToken, MissingToken


def test_bearer_token_is_taken_from_the_header() -> None:
    assert bearer_token({"authorization": "Bearer abc.def.ghi"}, {}) == "abc.def.ghi"
    assert bearer_token({"authorization": "bearer  abc "}, {}) == "abc"


@pytest.mark.parametrize(
    ("headers", "query", "reason"),
    [
        ({}, {"access_token": "abc"}, "query string"),
        ({"authorization": "Bearer abc"}, {"access_token": "abc"}, "query string"),
        ({"authorization": "Basic dXNlcjpwYXNz"}, {}, "Bearer scheme"),
        ({"authorization": "Bearer "}, {}, "empty"),
        ({"authorization": "Bearer " + "a" * 17000}, {}, "16 KiB"),
    ],
)
def test_refusals_say_why(headers: dict[str, str], query: dict[str, str], reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason) as caught:
        bearer_token(headers, query)
    assert caught.value.headers()["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_missing_header_gets_a_bare_challenge() -> None:
    with pytest.raises(MissingToken) as caught:
        bearer_token({}, {})
    assert caught.value.status_code == 401
    assert caught.value.headers() == {"WWW-Authenticate": 'Bearer realm="hybridgate"'}
