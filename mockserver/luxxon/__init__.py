"""The Luxxon flavor: its spec, scenarios and world, its envelopes, error catalog and names."""
