"""The domain: roster, roles and permissions, findings' lifecycle, calendar and deadlines. No chat platform here."""
