"""Predictions about training derived from the constraints: conservation laws and their drift."""

from .conservation import LinearQuantity, QuadraticQuantity, conserved_quantity

__all__ = ["QuadraticQuantity", "LinearQuantity", "conserved_quantity"]
