"""Private: _commission."""
