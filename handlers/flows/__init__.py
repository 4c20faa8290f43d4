"""Conversation flows. Each is small and channel-neutral; `registry.build_flows` wires them."""
