"""Plain data-access functions; each takes the session explicitly."""
