"""The safety net: every typed message is checked for danger before anything else answers it."""

from handlers.safety.detector import CONTEXTS, KINDS, DangerDetector

__all__ = ["CONTEXTS", "KINDS", "DangerDetector"]
