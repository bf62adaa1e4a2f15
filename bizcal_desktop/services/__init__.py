"""Application services: the use cases the CLI and the desktop UI share (one object per capability)."""
