"""Private: _clv."""
