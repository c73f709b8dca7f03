"""Realistic values from OpenAPI 3.0 schemas: the spec's own examples first, then faker.

A value depends only on (seed, key, schema), so one seed replays the same bytes in any process.
Nothing here knows HTTP or the engine; property-name heuristics only fill what the schema allows.

Modules: `generator` walks a schema, `memo` keeps per-schema work, `schemas` merges and inspects
schemas, `bounds` picks numbers within limits, `names` maps names and formats to producers,
`regex` samples a string that matches a pattern.
"""

from mockserver.fake.generator import Generator

__all__ = ["Generator"]
