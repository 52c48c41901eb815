"""Decision support in the record: FHIR bindings of inputs, and a CDS Hooks service (`eligo serve`).

`eligo.serve.bindings` reads and checks the companion `<version>.fhir.yaml` of each guideline version
(no web dependencies, so `eligo check` can call it); `eligo.serve.app` is the FastAPI application.
"""

from eligo.serve.checks import check_bindings
from eligo.serve.sources import fhir_sources

__all__ = ["check_bindings", "fhir_sources"]
