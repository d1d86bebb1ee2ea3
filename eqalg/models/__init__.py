"""Models with analytic derivatives and symmetry catalogues."""

from .base import CountingModel, Model
from .functions import ACTIVATIONS, LOSSES, Activation, OutputLoss, get_activation, get_loss
from .factorization import MatrixFactorization
from .mlp import TwoLayerMLP
from .softmax import SoftmaxRegression

__all__ = ["Model", "CountingModel", "TwoLayerMLP", "MatrixFactorization", "SoftmaxRegression", "Activation", "OutputLoss", "ACTIVATIONS", "LOSSES",
           "get_activation", "get_loss"]
