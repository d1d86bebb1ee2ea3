"""Predictions about training derived from the constraints: conservation laws and their drift,
second-order structure at symmetric points."""

from .conservation import LinearQuantity, QuadraticQuantity, conserved_quantity

__all__ = ["QuadraticQuantity", "LinearQuantity", "conserved_quantity"]

from .symmetric_points import (FixedSetInvariance, HessianBlockReport, fixed_set_invariance,  # noqa: E402
                               hessian_block_report, point_stabilizer)

__all__ += ["hessian_block_report", "HessianBlockReport", "point_stabilizer", "fixed_set_invariance",
            "FixedSetInvariance"]
