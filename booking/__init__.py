"""Kela phone and remote appointments: slots, bookings and their texts (see booking.client)."""
