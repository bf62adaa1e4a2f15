"""BizCal Desktop: keeps a booking business's appointments and its people's calendars in two-way sync."""

__version__ = "0.1.0"
