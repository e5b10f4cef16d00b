"""Private: _core."""
