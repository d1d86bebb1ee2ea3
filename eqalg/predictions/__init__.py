"""Predictions about training derived from the constraints: conservation laws and their drift,
second-order structure at symmetric points."""

from .conservation import AffineQuantity, LinearQuantity, QuadraticQuantity, conserved_quantities, conserved_quantity
from .counting import ConservationCount, conservation_law_count

__all__ = ["QuadraticQuantity", "LinearQuantity", "AffineQuantity", "conserved_quantity", "conserved_quantities",
           "conservation_law_count", "ConservationCount"]

from .symmetric_points import (FixedSetInvariance, HessianBlockReport, fixed_set_invariance,  # noqa: E402
                               hessian_block_report, point_stabilizer)

__all__ += ["hessian_block_report", "HessianBlockReport", "point_stabilizer", "fixed_set_invariance",
            "FixedSetInvariance"]
