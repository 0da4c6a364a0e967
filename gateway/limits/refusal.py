"""The 429 a caller over its quota gets, in OpenAI's shape, with the headers the
OpenAI SDKs read (and retry on)."""

from __future__ import annotations

import math

from gateway.errors import OpenAIError
from gateway.policy.model import Quota

PER_MINUTE = 60.0


class RateLimited(OpenAIError):
    status_code = 429
    code = "rate_limit_exceeded"

    def __init__(self, message: str, reason: str, retry_after_s: float, headers: dict[str, str]):
        super().__init__(message)
        # OpenAI names the exhausted resource in the type: requests or tokens.
        self.error_type = reason
        self.reason = reason
        self.wait_s = retry_after_s
        self._quota_headers = headers
        self._headers = {
            "Retry-After": str(max(1, math.ceil(retry_after_s))),
            "retry-after-ms": str(max(1, round(retry_after_s * 1000))),
            **headers,
        }

    def headers(self) -> dict[str, str]:
        return self._headers

    def again(self, retry_after_s: float) -> RateLimited:
        """The same refusal, with the wait that is left."""
        return RateLimited(self.message, self.reason, retry_after_s, self._quota_headers)


def ratelimit_headers(quota: Quota, requests: float, tokens: float) -> dict[str, str]:
    """The x-ratelimit-* headers OpenAI sends, for the limits that are set, from what is
    left in the principal's request and token buckets."""
    headers: dict[str, str] = {}
    for name, limit, level in (
        ("requests", quota.requests_per_minute, requests),
        ("tokens", quota.tokens_per_minute, tokens),
    ):
        if limit is None:
            continue
        reset = (limit - level) * PER_MINUTE / limit
        headers[f"x-ratelimit-limit-{name}"] = str(limit)
        headers[f"x-ratelimit-remaining-{name}"] = str(max(0, math.floor(level)))
        headers[f"x-ratelimit-reset-{name}"] = f"{max(0.0, reset):.3f}s"
    return headers


def edge_busy(cap: int) -> RateLimited:
    return RateLimited(
        f"the edge is serving {cap} requests; try again shortly", "edge_busy", 1.0, {}
    )


def edge_share(share: int, cap: int) -> RateLimited:
    return RateLimited(
        f"this caller already holds its share of the edge ({share} of {cap})",
        "edge_share",
        1.0,
        {},
    )
