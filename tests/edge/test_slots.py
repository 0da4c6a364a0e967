"""Slot choice and step planning: which slot a prompt reuses, what one decode evaluates."""

from __future__ import annotations

from edge.engine import PreparedPrompt, SamplingOptions
from edge.generation import Generation
from edge.slots import SlotTable, plan_step, shared_prefix

OPTIONS = SamplingOptions(max_tokens=4)


def _generation(tokens: list[int], keep: int = 0) -> Generation:
    return Generation(PreparedPrompt(tuple(tokens), 4, (), OPTIONS), keep)


def _run(table: SlotTable, tokens: list[int]) -> int:
    """Admits `tokens` as the table's engine would; returns the slot index."""
    slot, keep = table.choose(tokens)
    table.occupy(slot, _generation(tokens, keep), keep)
    return slot.index


def _finish(table: SlotTable, index: int, evaluated: list[int]) -> None:
    slot = table.slots[index]
    slot.cached[:] = evaluated
    slot.generation = None


def test_shared_prefix() -> None:
    assert shared_prefix([1, 2, 3], [1, 2, 4]) == 2
    assert shared_prefix([], [1]) == 0
    assert shared_prefix([1, 2], [1, 2, 3]) == 2


def test_the_longest_shared_prefix_wins() -> None:
    table = SlotTable(3)
    _finish(table, 0, [1, 2, 9])
    _finish(table, 1, [1, 2, 3, 4, 5])
    _finish(table, 2, [7, 8])
    slot, keep = table.choose([1, 2, 3, 4, 6])
    assert (slot.index, keep) == (1, 4)


def test_the_last_prompt_token_is_always_evaluated() -> None:
    # Its logits give the first sample, so even a fully cached prompt keeps one token.
    table = SlotTable(1)
    _finish(table, 0, [1, 2, 3, 4])
    slot, keep = table.choose([1, 2, 3])
    assert keep == 2
    table.occupy(slot, _generation([1, 2, 3], keep), keep)
    assert slot.cached == [1, 2]


def test_a_different_prompt_keeps_nothing_of_another_slot() -> None:
    table = SlotTable(1)
    _finish(table, 0, [1, 2, 3])
    slot, keep = table.choose([4, 5, 6])
    assert keep == 0
    table.occupy(slot, _generation([4, 5, 6], keep), keep)
    assert slot.cached == []


def test_ties_reuse_the_least_recently_used_slot() -> None:
    # A fresh prompt should not evict the cache that the last conversation may return to.
    table = SlotTable(2)
    first = _run(table, [1, 2, 3])
    _finish(table, first, [1, 2, 3])
    second = _run(table, [4, 5, 6])
    assert second != first
    _finish(table, second, [4, 5, 6])
    assert _run(table, [7, 8]) == first


def test_busy_slots_are_never_chosen() -> None:
    table = SlotTable(2)
    _finish(table, 0, [1, 2, 3])
    _run(table, [1, 2, 3, 4])  # takes slot 0 and its prefix
    slot, keep = table.choose([1, 2, 3, 4])
    assert (slot.index, keep) == (1, 0)


def test_every_generating_slot_advances_before_any_prompt_chunk() -> None:
    table = SlotTable(3)
    running = _run(table, [1, 2])
    generation = table.slots[running].generation
    assert generation is not None
    generation.pending.clear()
    generation.next_token = 42
    _run(table, list(range(100, 110)))
    _run(table, list(range(200, 210)))

    work = plan_step(table.busy(), prefill_budget=12)

    assert [(w.slot.index, w.tokens, w.sample) for w in work] == [
        (running, [42], True),
        (1, list(range(100, 110)), True),  # whole prompt: its last token is sampled
        (2, [200, 201], False),  # the rest of the budget, no sample yet
    ]


def test_a_long_prompt_is_cut_into_chunks_across_steps() -> None:
    table = SlotTable(2)
    index = _run(table, list(range(1000)))
    chunks = []
    generation = table.slots[index].generation
    assert generation is not None
    while generation.prefilling:
        (work,) = plan_step(table.busy(), prefill_budget=256)
        chunks.append((len(work.tokens), work.sample))
        del generation.pending[: len(work.tokens)]
    assert chunks == [(256, False), (256, False), (256, False), (232, True)]
