"""A Debug Adapter Protocol server for Lexis programs (``python -m lexis_ls.dap``).

It speaks DAP over stdin/stdout. A launch request takes::

    {
      "type": "lexis", "request": "launch",
      "program": "/path/to/prog.lexis.json",   # required
      "params": {"name": "value"},              # `param` values (strings)
      "stdin": "line 1\\nline 2\\n",              # what `read_stdin` reads
      "stopOnEntry": false,
      "timeout": 10,                            # seconds of running (time stopped is free)
      "trustCeiling": 3,                        # optional: refuse programs above it
      "fsRoot": "/some/folder",                 # optional: file access root
      "noDebug": false
    }

Breakpoints stop before the node defined on a line; their conditions use the small language of
:mod:`lexis_ls.dap.conditions`. The exception filter ``errorValues`` stops where a node
produces a new error value. See :mod:`lexis_ls.dap.session` for what stepping does.
"""
