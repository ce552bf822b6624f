"""The assistant's own database (store.db: engine and schema; store.models: the tables): handoff cases,
bookings, service events, receipts, feedback, staff accounts and the contact vault."""
