"""The stateful Luxxon world: workspaces, keys, sessions, money and video, per namespace."""

from mockserver.world.fixture import FixtureError
from mockserver.world.world import World, Worlds

__all__ = ["FixtureError", "World", "Worlds"]
