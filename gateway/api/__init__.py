"""HTTP routers of the gateway: thin, they parse, call the pipeline and respond."""
