"""The mock world: a seeded, deterministic simulation of market actors, listings, sales,
feedback, social posts and events (see docs/mock-world.md)."""
from mock_sites.world.config import WorldConfig
from mock_sites.world.world import World

__all__ = ["World", "WorldConfig"]
