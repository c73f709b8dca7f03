"""The timeline pops what is due in due order, ties in the order they were scheduled; bundles and
the shared store carry its pending entries unchanged."""

from __future__ import annotations

import orjson

from mockserver.luxxon import flavor
from mockserver.luxxon.world import fixture, snapshot
from mockserver.luxxon.world.timeline import Due, Timeline
from mockserver.luxxon.world.tracking import TrackedTimeline, Tracker
from mockserver.luxxon.world.world import World

DEFAULT_WORLD = flavor.HOME / "scenarios" / "worlds" / "default.yaml"


def test_pops_only_what_is_due_in_due_order_ties_in_schedule_order() -> None:
    timeline = Timeline()
    timeline.schedule(30.0, "wait_timeout", "b")
    timeline.schedule(10.0, "quote", "q")
    timeline.schedule(30.0, "first_frame", "a")
    timeline.schedule(20.0, "nonce", "n")
    assert timeline.pop_due(5.0) is None
    popped = []
    while (due := timeline.pop_due(30.0)) is not None:
        popped.append(due)
    assert [(d.at, d.kind, d.ref) for d in popped] == [
        (10.0, "quote", "q"),
        (20.0, "nonce", "n"),
        (30.0, "wait_timeout", "b"),
        (30.0, "first_frame", "a"),
    ]
    assert popped[0] == Due(10.0, 2, "quote", "q") and len(timeline) == 0


def test_an_entry_put_back_pops_again_in_its_place() -> None:
    timeline = Timeline()
    timeline.schedule(1.0, "quote", "first")
    timeline.schedule(2.0, "quote", "second")
    first = timeline.pop_due(1.0)
    assert first is not None
    timeline.put(first)  # a rolled-back call gives back what it popped
    assert [timeline.pop_due(9.0), timeline.pop_due(9.0)] == [first, Due(2.0, 2, "quote", "second")]


def test_a_rolled_back_schedule_is_skipped_and_a_rolled_back_pop_returns() -> None:
    timeline = TrackedTimeline(Tracker(), [], 0)
    timeline.tracker.timeline = timeline
    timeline.schedule(1.0, "quote", "kept")
    timeline.tracker.clear()
    assert timeline.pop_due(5.0) == Due(1.0, 1, "quote", "kept")
    timeline.schedule(2.0, "nonce", "dropped")
    timeline.tracker.rollback(lambda name, data, current: current)
    assert timeline.pop_due(5.0) == Due(1.0, 1, "quote", "kept")
    assert timeline.pop_due(5.0) is None


def test_a_bundle_carries_the_pending_entries_and_the_counter() -> None:
    world = World(fixture.load(DEFAULT_WORLD))
    for at, ref in ((3.0, "c"), (1.0, "a"), (2.0, "b")):
        world.store.timeline.schedule(world.clock.now() + 1e6 + at, "quote", ref)
    before = sorted(world.store.timeline.entries())
    loaded = snapshot.load(orjson.loads(orjson.dumps(snapshot.dump(world))))
    assert sorted(loaded.store.timeline.entries()) == before
    assert loaded.store.timeline._seq == world.store.timeline._seq
    far = world.clock.now() + 2e6
    mine = [d for d in iter(lambda: loaded.store.timeline.pop_due(far), None) if d.kind == "quote"]
    assert [d.ref for d in mine][-3:] == ["a", "b", "c"]
