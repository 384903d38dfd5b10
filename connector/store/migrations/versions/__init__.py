"""One module per schema revision, oldest first: 0001_initial, then 0002_..., each with its down_revision."""
