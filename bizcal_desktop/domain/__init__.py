"""Pure domain logic: value types and interval arithmetic. No I/O, no Qt, no SQL."""
