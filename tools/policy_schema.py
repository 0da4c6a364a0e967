"""Writes policies/schema.json from the pydantic policy model, for editors.

.venv/bin/python tools/policy_schema.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.policy.model import Policy  # noqa: E402

SCHEMA = ROOT / "policies" / "schema.json"


def render() -> str:
    schema = Policy.model_json_schema(by_alias=True)
    schema["title"] = "hybridgate policy"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA.write_text(render())
    print(f"wrote {SCHEMA.relative_to(ROOT)}")
