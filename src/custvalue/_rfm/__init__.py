"""Private: _rfm."""
