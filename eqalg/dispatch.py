"""Generic functions that dispatch on the types of several arguments.

``functools.singledispatch`` picks a method from the type of the first argument only. The verbs
of eqalg (``compose(a, b)``, ``bracket(a, b)``, ``evaluate(constraint, model, theta, backend)``)
need the types of several arguments, so this module provides a small registry keyed on a tuple
of types. Resolution walks the method resolution order (MRO) of each dispatched argument; among
applicable methods the most specific one wins (one signature is more specific than another if
each of its types is a subclass of the other's). Two incomparable best candidates are an
ambiguity and raise :class:`~eqalg.errors.DispatchError`, as in Julia.

Examples
--------
>>> @generic(nargs=2)
... def combine(a, b):
...     '''Combine two things.'''
>>> @combine.register(int, int)
... def _(a, b):
...     return a + b
>>> combine(1, 2)
3
"""

from __future__ import annotations

import functools

from .errors import DispatchError

__all__ = ["generic", "GenericFunction"]


class GenericFunction:
    """A function whose implementation is chosen from the types of its first ``nargs`` arguments.

    Parameters
    ----------
    fallback : callable
        The function object whose name and docstring the generic function takes; it is not
        called (methods must be registered).
    nargs : int
        Number of leading positional arguments that take part in dispatch.
    """

    def __init__(self, fallback, nargs: int):
        self.nargs = nargs
        self.name = fallback.__name__
        self._methods: dict[tuple[type, ...], object] = {}
        self._cache: dict[tuple[type, ...], object] = {}
        functools.update_wrapper(self, fallback)

    def register(self, *types):
        """Register the decorated function for argument types ``types`` (one per dispatched argument)."""
        if len(types) != self.nargs:
            raise DispatchError(f"{self.name}: register needs {self.nargs} types, got {len(types)}")

        def decorator(func):
            self._methods[tuple(types)] = func
            self._cache.clear()
            return func

        return decorator

    def methods(self) -> dict:
        """Return a copy of the registry ``{signature: implementation}``."""
        return dict(self._methods)

    def resolve(self, types: tuple[type, ...]):
        """Return the most specific method for ``types`` or raise :class:`DispatchError`."""
        try:
            return self._cache[types]
        except KeyError:
            pass
        applicable = [sig for sig in self._methods
                      if all(issubclass(t, s) for t, s in zip(types, sig))]
        if not applicable:
            names = ", ".join(t.__name__ for t in types)
            raise DispatchError(f"{self.name}: no method for argument types ({names})")
        best = [sig for sig in applicable
                if not any(other != sig and all(issubclass(o, s) for o, s in zip(other, sig))
                           for other in applicable)]
        if len(best) > 1:
            names = ", ".join(t.__name__ for t in types)
            cands = "; ".join("(" + ", ".join(t.__name__ for t in sig) + ")" for sig in best)
            raise DispatchError(f"{self.name}: ambiguous call for ({names}); candidates {cands}")
        method = self._methods[best[0]]
        self._cache[types] = method
        return method

    def __call__(self, *args, **kwargs):
        if len(args) < self.nargs:
            raise DispatchError(f"{self.name}: expected at least {self.nargs} positional arguments")
        method = self.resolve(tuple(type(a) for a in args[: self.nargs]))
        return method(*args, **kwargs)


def generic(nargs: int = 1):
    """Decorator turning a stub into a :class:`GenericFunction` dispatching on ``nargs`` arguments."""

    def decorator(func):
        return GenericFunction(func, nargs)

    return decorator
