from __future__ import annotations

import pytest

from gateway.auth.authenticator import Authenticator
from gateway.auth.config import EntraSettings
from gateway.auth.principal import Principal, principal_from_claims
from gateway.errors import InsufficientScope


class StaticVerifier:
    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    async def verify(self, token: str) -> Principal:
        return self.principal


def user(scp: str, roles: tuple[str, ...] = ()) -> Principal:
    return principal_from_claims({"tid": "t", "scp": scp, "roles": list(roles)})


def app(roles: tuple[str, ...]) -> Principal:
    return principal_from_claims({"tid": "t", "idtyp": "app", "roles": list(roles)})


RULES = EntraSettings()
HEADERS = {"authorization": "Bearer x"}


@pytest.mark.parametrize(
    "principal",
    [user("access_as_user"), user("other access_as_user"), app(("Hybridgate.Invoke",))],
)
async def test_allowed_callers(principal: Principal) -> None:
    caller = await Authenticator(StaticVerifier(principal), RULES).authenticate(HEADERS, {})
    assert caller.principal == principal
    assert "x" not in repr(caller)  # the raw token never shows in a repr


@pytest.mark.parametrize(
    ("principal", "reason"),
    [
        (user("other"), "scopes: access_as_user"),
        # A user token is judged by its scopes, whatever roles it also carries.
        (user("other", roles=("Hybridgate.Invoke",)), "scopes: access_as_user"),
        (app(("Other.Role",)), "roles: Hybridgate.Invoke"),
    ],
)
async def test_missing_scope_or_role_is_403(principal: Principal, reason: str) -> None:
    with pytest.raises(InsufficientScope, match=reason) as caught:
        await Authenticator(StaticVerifier(principal), RULES).authenticate(HEADERS, {})
    assert caught.value.status_code == 403
    assert 'error="insufficient_scope"' in caught.value.headers()["WWW-Authenticate"]


def test_admin_needs_the_admin_role() -> None:
    authenticator = Authenticator(StaticVerifier(user("s")), RULES)
    authenticator.require_admin(user("s", roles=("Hybridgate.Admin",)))
    with pytest.raises(InsufficientScope, match=r"Hybridgate\.Admin"):
        authenticator.require_admin(user("s", roles=("Hybridgate.Invoke",)))
