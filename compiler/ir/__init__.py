"""The intermediate representation: the one contract between the front end and every back end."""

from eligo.ir.nodes import *  # noqa: F403
from eligo.ir.nodes import __all__ as __all__
