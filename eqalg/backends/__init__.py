"""Derivative backends: exact (model-provided) and finite differences with error estimates."""

from .analytic import Analytic
from .base import BACKEND_NAMES, Backend, Estimate, get_backends
from .finite_difference import FiniteDifference, richardson_central

__all__ = ["Backend", "Estimate", "Analytic", "FiniteDifference", "get_backends", "richardson_central",
           "BACKEND_NAMES"]
