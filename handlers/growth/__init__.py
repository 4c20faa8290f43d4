"""Child growth: WHO 2006 z-scores, Permenkes 2/2020 classes, KMS N/T (issue #17)."""

from handlers.growth.zscore import GrowthResult, Measurement, assess

__all__ = ["GrowthResult", "Measurement", "assess"]
