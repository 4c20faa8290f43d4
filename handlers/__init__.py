"""The channel-neutral conversation core and the flows built on it. No platform library is imported here."""
