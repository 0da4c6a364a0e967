"""Edge inference server: OpenAI-compatible HTTP over a local llama.cpp model."""
