"""`python -m gateway.cli`: what `hybridgate up` runs its children with."""

from __future__ import annotations

import sys

from gateway.cli import main

sys.exit(main())
