"""Private: _loyalty."""
