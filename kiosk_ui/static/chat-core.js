/* The chat core shared by the kiosk and the widget (being written; see issue 10). */
