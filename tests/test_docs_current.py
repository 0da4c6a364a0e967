"""docs/configuration.md's reference table is generated from the settings models: it must
be current, and the generator must really find the keys (so the check is not vacuous).
Its annotated example is written by hand: it must show every key with its default."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.config_reference import (
    DOC,
    WRITE_COMMAND,
    Row,
    check,
    example_gaps,
    rendered,
    rows,
)


def test_configuration_reference_is_current() -> None:
    assert check(DOC), (
        f"{DOC.relative_to(DOC.parent.parent)} is out of date with the settings models; "
        f"run: {WRITE_COMMAND}"
    )


def _by_key() -> dict[str, Row]:
    return {row.key: row for row in rows()}


def test_generator_finds_known_keys_with_their_defaults() -> None:
    found = _by_key()
    assert found["server.port"].default == "8080"
    assert found["server.port"].constraints == "≥ 1, ≤ 65535"
    assert found["edge.n_ctx"].default == "2048"
    assert found["edge.parallel"].default == "8"
    assert found["audit.fsync"].default == "interval"
    assert found["audit.fsync"].type == '"always" | "interval" | "never"'
    assert found["backends.edge.timeouts.connect_s"].default == "5.0"
    assert found["backends.cloud.auth.kind"].default == "none"
    assert found["telemetry.metrics_port"].type == "integer | null"
    assert found["cloud.autoscaling.max_replicas"].default == "2"
    assert "SSL_CERT_FILE" in found["ssl_cert_file"].constraints
    assert len(found) > 100


def test_descriptions_come_from_the_comments_above_fields() -> None:
    found = _by_key()
    assert found["edge.n_threads"].description == "None: every CPU this process may run on."
    # A comment of two lines, and one inherited from a base class (BackendSettings).
    assert found["backends.edge.retries"].description.startswith("Retries before the first")
    assert "never on a 4xx" in found["backends.edge.retries"].description
    assert found["backends.edge.forward_fields"].description.startswith("The top-level body")
    # A trailing comment on the assignment's own line.
    assert found["backends.cloud.auth.resource"].description.startswith("managed identity")


def test_a_stale_table_is_detected(tmp_path: Path) -> None:
    stale = tmp_path / "configuration.md"
    text = DOC.read_text(encoding="utf-8")
    stale.write_text(text.replace("`server.port`", "`server.portal`"), encoding="utf-8")
    assert not check(stale)
    assert rendered(stale.read_text(encoding="utf-8")) == text


def test_the_annotated_example_shows_every_key_with_its_default() -> None:
    assert example_gaps(DOC.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("edit", "gap"),
    [
        (("  lease_s: 30 ", "  lease_z: 30 "), "limits.lease_s: missing"),
        (("  port: 8080\n", "  port: 8090\n"), "server.port: shown as 8090"),
        (("  enabled: true\n", "  enabled: 1\n"), "audit.enabled: shown as 1"),
        (("[model, messages, prompt, …]", "[model, prompt, …]"), "backends.cloud.forward_fields"),
        (("  workers: 2 ", "  "), "classification.workers: missing"),
    ],
)
def test_a_gap_in_the_annotated_example_is_detected(edit: tuple[str, str], gap: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert edit[0] in text
    gaps = example_gaps(text.replace(edit[0], edit[1], 1))
    assert len(gaps) == 1
    assert gaps[0].startswith(gap)
