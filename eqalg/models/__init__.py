"""Models with analytic derivatives and symmetry catalogues."""

from .base import CountingModel, Model
from .functions import ACTIVATIONS, LOSSES, Activation, OutputLoss, get_activation, get_loss
from .mlp import TwoLayerMLP

__all__ = ["Model", "CountingModel", "TwoLayerMLP", "Activation", "OutputLoss", "ACTIVATIONS", "LOSSES",
           "get_activation", "get_loss"]
