"""The batching engine on the real SmolLM2 GGUF, driven step by step in-process.

Driving `step()` directly makes "while a long prompt is evaluated" a count of steps and
tokens, not a race against the clock.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from common.errors import ContextLengthExceeded
from edge.engine import Delta, Finished, PreparedPrompt, Prompt, SamplingOptions
from edge.llama_engine import LlamaEngine
from edge.models import default_model_path
from edge.slots import shared_prefix

pytestmark = pytest.mark.integration

GREEDY = SamplingOptions(max_tokens=16, temperature=0)
COUNTING = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,"
RIVERS = "Rivers of Europe: the Danube, the"


@pytest.fixture
def engine() -> Iterator[LlamaEngine]:
    engine = LlamaEngine(
        default_model_path(),
        "smollm2",
        n_slots=6,
        n_ctx_slot=2048,
        n_threads=2,
        prefill_chunk=128,
    )
    yield engine
    engine.close()


def run_alone(
    engine: LlamaEngine, prompt: Prompt, options: SamplingOptions
) -> tuple[str, Finished]:
    (result,) = run_together(engine, [(prompt, options)])
    return result


def run_together(
    engine: LlamaEngine, jobs: list[tuple[Prompt, SamplingOptions]]
) -> list[tuple[str, Finished]]:
    slots = [engine.admit(engine.prepare(prompt, options)) for prompt, options in jobs]
    texts: dict[int, str] = dict.fromkeys(slots, "")
    ends: dict[int, Finished] = {}
    while len(ends) < len(slots):
        for slot, event in engine.step():
            if isinstance(event, Delta):
                texts[slot] += event.text
            else:
                ends[slot] = event
    return [(texts[slot], ends[slot]) for slot in slots]


def test_a_long_prompt_is_evaluated_while_running_streams_go_on(engine: LlamaEngine) -> None:
    counting = SamplingOptions(max_tokens=200, temperature=0)
    streams = [engine.admit(engine.prepare(f"{COUNTING} {i}", counting)) for i in range(4)]
    generating: set[int] = set()
    while generating != set(streams):
        generating |= {slot for slot, event in engine.step() if isinstance(event, Delta)}
    long_prompt = " ".join(f"word{i}" for i in range(410))  # about 1,500 tokens
    prepared = engine.prepare(long_prompt, SamplingOptions(max_tokens=1, temperature=0))
    assert len(prepared.tokens) >= 1_500
    newcomer = engine.admit(prepared)

    steps = 0
    produced = dict.fromkeys(streams, 0)
    newcomer_done = False
    while not newcomer_done:
        steps += 1
        for slot, event in engine.step():
            if slot == newcomer:
                newcomer_done = newcomer_done or isinstance(event, Finished)
            elif isinstance(event, Delta):
                produced[slot] += 1
    # The prompt took several chunks, and at every one of those steps each running
    # stream decoded a token.
    assert steps >= len(prepared.tokens) // 128
    assert all(count >= steps - 1 for count in produced.values()), (steps, produced)
    for slot in streams:
        engine.cancel(slot)


def test_batched_greedy_answers_match_each_prompt_alone(engine: LlamaEngine) -> None:
    questions = [
        "What is the capital of France?",
        "Name a primary colour.",
        "How many legs does a spider have?",
        "Write one word that rhymes with cat.",
        "What is 2 plus 2?",
        "Which planet is known as the red planet?",
    ]
    prompts: list[Prompt] = [[{"role": "user", "content": q}] for q in questions]
    alone = [run_alone(engine, prompt, GREEDY)[0] for prompt in prompts]
    together = [text for text, _ in run_together(engine, [(p, GREEDY) for p in prompts])]
    assert together == alone
    assert len(set(alone)) == len(alone)  # each got the answer to its own question


def test_a_conversation_reuses_its_kv_prefix_on_the_next_turn(engine: LlamaEngine) -> None:
    first: list[dict[str, str]] = [{"role": "user", "content": "Tell me about owls in a line."}]
    answer, turn_one = run_alone(engine, first, GREEDY)
    second = [
        *first,
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "And about bats?"},
    ]
    _, turn_two = run_alone(engine, second, GREEDY)
    # The whole first prompt (and what was generated after it) came from the cache.
    assert turn_two.cached_tokens >= turn_one.prompt_tokens


def test_cached_tokens_are_only_a_shared_prefix_never_another_prompt() -> None:
    single = LlamaEngine(
        default_model_path(), "one", n_slots=1, n_ctx_slot=512, n_threads=2, prefill_chunk=128
    )
    try:
        cold_text, cold = run_alone(single, RIVERS, GREEDY)
        run_alone(single, COUNTING, GREEDY)  # the only slot now holds another prompt
        warm_text, warm = run_alone(single, RIVERS, GREEDY)
        held = single.prepare(COUNTING, GREEDY).tokens
        rivers = single.prepare(RIVERS, GREEDY).tokens
    finally:
        single.close()
    assert cold.cached_tokens == 0
    # Exactly what the two prompts truly share is reused (the BOS token, here)...
    assert warm.cached_tokens == shared_prefix(held, rivers)
    # ...and reusing it changes nothing: the answer is the cold one.
    assert warm_text == cold_text


def test_a_seeded_sample_is_reproducible_whatever_the_cache_holds(engine: LlamaEngine) -> None:
    seeded = SamplingOptions(max_tokens=24, temperature=0.9, seed=7)
    prompt: Prompt = [{"role": "user", "content": "Invent a name for a cat."}]
    first, _ = run_alone(engine, prompt, seeded)
    second, end = run_alone(engine, prompt, seeded)  # this time mostly from the cache
    assert end.cached_tokens > 0
    assert second == first
    other_seed, _ = run_alone(
        engine, prompt, SamplingOptions(max_tokens=24, temperature=0.9, seed=8)
    )
    assert other_seed != first


def test_stop_max_tokens_and_prompt_accounting(engine: LlamaEngine) -> None:
    text, end = run_alone(
        engine, COUNTING, SamplingOptions(max_tokens=40, stop=(" 16",), temperature=0)
    )
    assert end.finish_reason == "stop"
    assert " 16" not in text
    assert text.strip().startswith("13")
    prepared: PreparedPrompt = engine.prepare(COUNTING, GREEDY)
    _, end = run_alone(engine, COUNTING, SamplingOptions(max_tokens=3, temperature=0))
    assert (end.finish_reason, end.completion_tokens) == ("length", 3)
    assert end.prompt_tokens == len(prepared.tokens)


def test_a_prompt_no_context_can_hold_is_refused_before_it_is_tokenized(
    engine: LlamaEngine,
) -> None:
    # Hundreds of kilobytes of one pattern: tokenizing them would hold the engine's
    # thread for seconds; they could never fit 2,048 tokens anyway.
    with pytest.raises(ContextLengthExceeded) as refused:
        engine.prepare("b." * 200_000, GREEDY)
    assert "bytes" in str(refused.value)
    # A prompt just over the context, but short in bytes, is still measured in tokens.
    with pytest.raises(ContextLengthExceeded) as tokens:
        engine.prepare("word " * 3_000, GREEDY)
    assert "in the prompt" in str(tokens.value)
