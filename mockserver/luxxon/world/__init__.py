"""The stateful Luxxon world: workspaces, keys, sessions, money and video, per namespace."""

from mockserver.luxxon.world.fixture import FixtureError
from mockserver.luxxon.world.world import World, Worlds

__all__ = ["FixtureError", "World", "Worlds"]
