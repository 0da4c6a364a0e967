"""hybridgate gateway: routes OpenAI-compatible requests between the edge and the cloud."""
