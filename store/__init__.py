"""The assistant's own database: handoff cases (later bookings and service events)."""
