"""Channels turn platform updates into incoming events and render replies. Only here may
`telegram` or `pywa` be imported."""
