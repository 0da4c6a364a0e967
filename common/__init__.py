"""What the gateway and the edge server share: OpenAI error JSON, disconnect handling
and the loopback-bind rule. It imports neither of them."""
