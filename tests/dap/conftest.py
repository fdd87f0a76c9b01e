"""Fixtures of the debug adapter tests: the client itself is in tests/dap_support.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dap_support import DapClient


@pytest.fixture
def dap() -> Iterator[DapClient]:
    client = DapClient()
    try:
        yield client
    finally:
        client.close()
