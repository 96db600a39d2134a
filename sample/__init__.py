"""Deterministic generator of synthetic sample deliveries (delivery contract, "Sample deliveries").

The real microdata are not public. This package writes deliveries in the vendors'
exact formats whose answers are set so that the published KS figures come out of the
marts within sampling error, with a few planted defects listed beside the delivery.
Run it as ``python -m sample`` (see ``__main__.py``).
"""

from sample.generator import generate

__all__ = ["generate"]
