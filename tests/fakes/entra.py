"""A fake Microsoft Entra ID tenant for tests, served over real HTTPS (trustme CA).

It publishes v1 and v2 OpenID metadata, a JWKS that tests can rotate or take down,
a token endpoint for MSAL (client credentials, on-behalf-of, and federated
credentials as AKS workload identity uses them) and an App Service style
managed-identity endpoint. The gateway's production code talks to it exactly as
it talks to login.microsoftonline.com, with `auth.entra.authority` pointed here.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import trustme
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

from tests.processes import free_port

V1_ISSUER_HOST = "https://sts.fake-entra.test"
APP_ROLE = "Cloud.Invoke"
# The audience Entra ID requires of a federated credential's assertion.
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class Federation:
    """A federated identity credential on an app: tokens of `issuer` for `subject`."""

    issuer: str
    subject: str


class ClusterIssuer:
    """A Kubernetes cluster's OIDC issuer, as AKS runs one: it signs the projected
    service-account tokens the kubelet writes into pods."""

    def __init__(self, url: str = "https://oidc.fake-aks.test/cluster-1/") -> None:
        self.url = url
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def public_key(self) -> rsa.RSAPublicKey:
        return self._key.public_key()

    def token(
        self, namespace: str, service_account: str, lifetime_s: int = 3600, **claims: Any
    ) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.url,
            "sub": f"system:serviceaccount:{namespace}:{service_account}",
            "aud": [TOKEN_EXCHANGE_AUDIENCE],
            "iat": now,
            "nbf": now,
            "exp": now + lifetime_s,
            "jti": str(uuid.uuid4()),
        }
        body.update(claims)
        return jwt.encode(body, self._key, algorithm="RS256", headers={"kid": "cluster-key"})


class FakeEntra:
    def __init__(self, workdir: Path, tenants: tuple[str, ...]) -> None:
        self.tenants = tenants
        self.port = free_port()
        self.base = f"https://127.0.0.1:{self.port}"
        self.ca = trustme.CA()
        self.ca_file = workdir / "fake-entra-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self._server_cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self._cert_file = workdir / "fake-entra-cert.pem"
        self._server_cert.private_key_and_cert_chain_pem.write_to_path(str(self._cert_file))
        self._keys: dict[str, dict[str, rsa.RSAPrivateKey]] = {t: {} for t in tenants}
        for tenant in tenants:
            self.rotate(tenant)
        self.down = False
        self.hits: Counter[str] = Counter()
        self.client_secret = "fake-client-secret"
        self.identity_header = "fake-identity-header"
        # client id -> the federated credential its app registration trusts.
        self.federations: dict[str, Federation] = {}
        self.cluster_issuers: dict[str, ClusterIssuer] = {}
        # Client assertions of federated clients, in the order they arrived.
        self.assertions: list[str] = []
        self.token_lifetime_s = 3600
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- keys and tokens -------------------------------------------------------------

    def rotate(self, tenant: str) -> str:
        """Publishes a new signing key in place of the old ones; returns its kid."""
        kid = f"key-{uuid.uuid4().hex[:8]}"
        self._keys[tenant] = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        return kid

    def current_kid(self, tenant: str) -> str:
        return next(iter(self._keys[tenant]))

    def issuer(self, tenant: str, version: str) -> str:
        if version == "2.0":
            return f"{self.base}/{tenant}/v2.0"
        return f"{V1_ISSUER_HOST}/{tenant}/"

    def token(
        self,
        tenant: str,
        audience: str,
        version: str = "2.0",
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A signed access token; any claim can be overridden or removed (value None)."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer(tenant, version),
            "aud": audience,
            "tid": tenant,
            "oid": str(uuid.uuid4()),
            "sub": "subject-1",
            "ver": version,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "scp": "access_as_user",
            "name": "Test User",
        }
        body["azp" if version == "2.0" else "appid"] = "client-app-1"
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        signing_kid = kid or self.current_kid(tenant)
        signing_key = key or self._keys[tenant][self.current_kid(tenant)]
        return jwt.encode(
            body, signing_key, algorithm="RS256", headers={"kid": signing_kid, **(headers or {})}
        )

    def federate(self, client_id: str, issuer: ClusterIssuer, subject: str) -> None:
        """Adds a federated identity credential to the app `client_id`."""
        self.cluster_issuers[issuer.url] = issuer
        self.federations[client_id] = Federation(issuer.url, subject)

    def _federated_client_error(self, client_id: str, assertion: str) -> str | None:
        """Entra ID's checks of a federated credential's assertion: signed by the trusted
        issuer, for the exchange audience, for the configured subject, not expired."""
        federation = self.federations[client_id]
        issuer = self.cluster_issuers[federation.issuer]
        self.assertions.append(assertion)
        try:
            claims = jwt.decode(
                assertion,
                issuer.public_key(),
                algorithms=["RS256"],
                audience=TOKEN_EXCHANGE_AUDIENCE,
                issuer=federation.issuer,
                options={"require": ["exp", "iss", "sub", "aud"]},
            )
        except jwt.PyJWTError as exc:
            return f"AADSTS700024: client assertion is not valid: {exc}"
        if claims["sub"] != federation.subject:
            return "AADSTS70021: no matching federated identity record found"
        return None

    def public_keys(self, tenant: str) -> dict[str, Any]:
        return {kid: key.public_key() for kid, key in self._keys[tenant].items()}

    # -- server ----------------------------------------------------------------------

    def start(self) -> None:
        config = uvicorn.Config(
            self._app(),
            host="127.0.0.1",
            port=self.port,
            ssl_certfile=str(self._cert_file),
            log_level="warning",
            # Clients keep connections alive; do not wait on them at the end of the run.
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake Entra did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)

    def _jwks(self, tenant: str) -> dict[str, Any]:
        keys = []
        for kid, key in self._keys[tenant].items():
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    def _metadata(self, tenant: str, version: str) -> dict[str, Any]:
        prefix = f"{self.base}/{tenant}"
        if version == "2.0":
            # Like Entra's multi-tenant documents, the v2 issuer is a template.
            return {
                "issuer": f"{self.base}/{{tenantid}}/v2.0",
                "jwks_uri": f"{prefix}/discovery/v2.0/keys",
                "token_endpoint": f"{prefix}/oauth2/v2.0/token",
                "authorization_endpoint": f"{prefix}/oauth2/v2.0/authorize",
            }
        return {
            "issuer": self.issuer(tenant, "1.0"),
            "jwks_uri": f"{prefix}/discovery/keys",
            "token_endpoint": f"{prefix}/oauth2/token",
            "authorization_endpoint": f"{prefix}/oauth2/authorize",
        }

    def _app(self) -> FastAPI:
        app = FastAPI()
        unavailable = JSONResponse({"error": "temporarily_unavailable"}, status_code=503)

        @app.get("/{tenant}/v2.0/.well-known/openid-configuration")
        async def metadata_v2(tenant: str) -> Any:
            self.hits["metadata"] += 1
            return unavailable if self.down else self._metadata(tenant, "2.0")

        @app.get("/{tenant}/.well-known/openid-configuration")
        async def metadata_v1(tenant: str) -> Any:
            self.hits["metadata"] += 1
            return unavailable if self.down else self._metadata(tenant, "1.0")

        @app.get("/{tenant}/discovery/v2.0/keys")
        @app.get("/{tenant}/discovery/keys")
        async def keys(tenant: str) -> Any:
            self.hits["jwks"] += 1
            return unavailable if self.down else self._jwks(tenant)

        @app.post("/{tenant}/oauth2/v2.0/token")
        async def token_endpoint(tenant: str, request: Request) -> Any:
            self.hits["token"] += 1
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            grant_type, client_id = form.get("grant_type"), form.get("client_id", "")
            scope, assertion = form.get("scope", ""), form.get("assertion")
            client_secret = form.get("client_secret")
            client_assertion = form.get("client_assertion")
            if client_id in self.federations:
                problem = (
                    self._federated_client_error(client_id, client_assertion)
                    if client_assertion
                    and form.get("client_assertion_type") == JWT_BEARER_ASSERTION
                    else "AADSTS7000218: a client assertion is required"
                )
                if problem is not None:
                    body = {"error": "invalid_client", "error_description": problem}
                    return JSONResponse(body, status_code=401)
            elif client_secret != self.client_secret and client_assertion is None:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            reserved = {"openid", "profile", "offline_access"}
            requested = [s for s in scope.split() if s not in reserved] or ["unknown"]
            audience = requested[0].removesuffix("/.default")
            if grant_type == "client_credentials":
                token = self.token(
                    tenant, audience, roles=[APP_ROLE], idtyp="app", scp=None, azp=client_id
                )
            elif grant_type == "urn:ietf:params:oauth:grant-type:jwt-bearer" and assertion:
                user = jwt.decode(assertion, options={"verify_signature": False})
                token = self.token(
                    tenant, audience, oid=user.get("oid"), sub=user.get("sub"), azp=client_id
                )
            else:
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            return {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.token_lifetime_s,
            }

        @app.get("/msi/token")
        async def managed_identity(
            resource: str, x_identity_header: str | None = Header(None)
        ) -> Any:
            self.hits["msi"] += 1
            if x_identity_header != self.identity_header:
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            tenant = self.tenants[0]
            token = self.token(
                tenant, resource, roles=[APP_ROLE], idtyp="app", scp=None, azp="managed-identity"
            )
            return {
                "access_token": token,
                "expires_on": str(int(time.time()) + 3600),
                "resource": resource,
                "token_type": "Bearer",
            }

        return app
