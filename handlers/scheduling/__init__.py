"""Reminders: what to remind whom, and when (planning rules), and turning due reminders into
outbox rows exactly once (the dispatcher). Both take the time from an injected clock."""
