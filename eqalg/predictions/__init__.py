"""Predictions about training derived from the constraints: conservation laws and their drift."""

from .conservation import AffineQuantity, LinearQuantity, QuadraticQuantity, conserved_quantities, conserved_quantity
from .counting import ConservationCount, conservation_law_count

__all__ = ["QuadraticQuantity", "LinearQuantity", "AffineQuantity", "conserved_quantity", "conserved_quantities",
           "conservation_law_count", "ConservationCount"]
