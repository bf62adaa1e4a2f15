"""Qt item models for the windows' views (kept apart from the windows that show them)."""
