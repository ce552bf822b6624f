"""What the routers answer with, when more than one router needs it: forms, page parts, payloads.

A router imports from here and from kiosk_ui.deps, never from another router.
"""
