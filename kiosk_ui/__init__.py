"""The web app: status page, chat gateway, touchscreen kiosk, website widget, print sheets and bookings."""
