"""A session's disconnect windows: opened and closed in order, metered out, and written to
bundles and the shared store as `[[opened, closed], [opened]]` arrays, read back the same."""

from __future__ import annotations

import orjson

from mockserver.luxxon.world import entities, snapshot, tracking
from mockserver.luxxon.world.model import Session, State


def _live() -> Session:
    s = Session("s1", "c1", State.LIVE, 4.66, -74.05, 600, 300, 1000, 100.0)
    s.started_at = 100.0
    return s


def test_windows_open_and_close_in_order_and_the_meter_skips_them() -> None:
    s = _live()
    assert s.windows == () and s.metered(160.0) == 60
    s.open_window(110.0)
    s.close_window(120.0)
    s.open_window(150.0)
    assert s.windows == ((110.0, 120.0), (150.0,))
    assert s.metered(160.0) == 40  # 60 s LIVE minus 10 s closed and 10 s still open


def test_windows_travel_in_bundles_and_the_shared_store_as_arrays() -> None:
    s = _live()
    s.open_window(110.0)
    s.close_window(120.0)
    s.open_window(150.0)
    plain = snapshot.encode(s)
    assert plain["windows"] == [[110.0, 120.0], [150.0]]
    assert orjson.loads(tracking.encode(s))["windows"] == [[110.0, 120.0], [150.0]]
    from_bundle = snapshot.decode(Session, orjson.loads(orjson.dumps(plain)))
    from_store = entities.decode_entity("s|s1", tracking.encode(s))
    assert from_bundle == from_store == s
    from_store.close_window(170.0)
    assert from_store.metered(200.0) == 100 - 10 - 20
