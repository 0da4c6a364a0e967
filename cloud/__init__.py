"""The cloud leg: a Ray Serve application (app.py), its local runner (local.py) and its
AKS form (llm_config.yaml). The gateway reaches it over HTTP only."""
