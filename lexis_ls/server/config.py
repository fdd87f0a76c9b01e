"""Settings, pulled with `workspace/configuration` (section `lexis`) and refreshed on change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..lang.sizes import size_setting


@dataclass
class Settings:
    trust_ceiling: int | None = None
    debounce_ms: int = 150
    inlay_hashes: bool = True
    inlay_values: bool = True
    # None: not set in the editor, so the project configuration's value (else the default)
    run_timeout: float | None = None
    run_memory: int | None = None  # bytes of address space of a run's process

    @classmethod
    def from_json(cls, raw: Any) -> Settings:
        s = cls()
        if not isinstance(raw, dict):
            return s
        ceiling = raw.get("trustCeiling")
        if isinstance(ceiling, int) and not isinstance(ceiling, bool) and 0 <= ceiling <= 3:
            s.trust_ceiling = ceiling
        diagnostics = raw.get("diagnostics")
        if isinstance(diagnostics, dict):
            debounce = diagnostics.get("debounceMs")
            if (
                isinstance(debounce, int)
                and not isinstance(debounce, bool)
                and 0 <= debounce <= 10_000
            ):
                s.debounce_ms = debounce
        hints = raw.get("inlayHints")
        if isinstance(hints, dict):
            if isinstance(hints.get("hashes"), bool):
                s.inlay_hashes = hints["hashes"]
            if isinstance(hints.get("values"), bool):
                s.inlay_values = hints["values"]
        run = raw.get("run")
        if isinstance(run, dict):
            timeout = run.get("timeout")
            if (
                isinstance(timeout, (int, float))
                and not isinstance(timeout, bool)
                and 0 < timeout <= 600
            ):
                s.run_timeout = float(timeout)
            # "512M", "2G" (a size), or a number of MiB; outside 64M..1T: the default
            memory = size_setting(run.get("memory"))
            if memory is not None:
                s.run_memory = memory
        return s
