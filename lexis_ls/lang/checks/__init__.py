"""Every static check of DIAGNOSTICS.md, in the order they run.

Later checks skip nodes that earlier ones found broken (``Context.skip``), so one problem gives
one diagnostic.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import Context, Options
from .flow import check_flow
from .graph import check_graphs
from .lint import check_lint
from .security import check_security
from .structure import check_shape, check_syntax

CHECKS: tuple[tuple[str, Callable[[Context], None]], ...] = (
    ("syntax", check_syntax),
    ("shape", check_shape),
    ("graph", check_graphs),
    ("flow", check_flow),
    ("security", check_security),
    ("lint", check_lint),
)

__all__ = ["CHECKS", "Context", "Options"]
