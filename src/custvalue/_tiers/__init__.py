"""Private: _tiers."""
