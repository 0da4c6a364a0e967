"""OpenAI-compatible upstreams the gateway forwards to."""
