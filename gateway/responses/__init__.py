"""POST /v1/responses: the OpenAI Responses API, stateless, with function tools.

A backend that declares native support gets the Responses body as it is; every other
backend gets it translated to chat completions, and its answer translated back.
"""
