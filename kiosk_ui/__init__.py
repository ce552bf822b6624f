"""The web app: status page now; kiosk, widget, staff and editor surfaces come later."""
