"""`gui_render`: shows a window descriptor with tkinter and runs its event loop.

Without a display (no ``$DISPLAY``, or tkinter missing) the op returns the error value
"no display" instead of failing. The window is built from the descriptor dicts of the pure GUI
ops: a window holds widgets (label, button, text_input, checkbox, dropdown, slider, and the
containers vbox, hbox, grid, frame), canvases with draw commands (rect, oval, line, text,
polygon) and state variables. Input widgets with a ``"state"`` key edit that state variable;
the final state dict is the op's result when the window closes.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from ..lang.values import ErrorValue, to_str
from .core import Call


def has_display(display: bool | None) -> bool:
    if display is not None:
        return display
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def render(call: Call, window: Any, display: bool | None, close_after_ms: int | None = None) -> Any:
    if not isinstance(window, dict) or window.get("kind") != "window":
        return call.error("`gui_render` needs a window descriptor (from `gui_window`)")
    if not has_display(display):
        return call.error("no display: gui_render needs a graphical display ($DISPLAY is not set)")
    try:
        import tkinter as tk
    except ImportError:
        return call.error("no display: tkinter is not installed")
    try:
        root = tk.Tk()
    except tk.TclError as exc:
        return call.error(f"no display: {exc}")
    state: dict[str, Any] = {}
    variables: dict[str, Any] = {}
    try:
        root.title(to_str(window.get("title", "Lexis")))
        width, height = window.get("width", 400), window.get("height", 300)
        if isinstance(width, int) and isinstance(height, int):
            root.geometry(f"{width}x{height}")
        _collect_state(window, state)
        for name, initial in state.items():
            variables[name] = tk.StringVar(root, value="" if initial is None else to_str(initial))
        for child in window.get("children", []):
            _build(tk, root, child, variables, "vbox")
        if close_after_ms is not None:
            root.after(close_after_ms, root.destroy)
        root.mainloop()
    except (tk.TclError, TypeError, ValueError) as exc:
        with contextlib.suppress(tk.TclError):
            root.destroy()
        return call.error(f"gui_render failed: {exc}")
    return {name: var.get() for name, var in variables.items()} | {
        k: v for k, v in state.items() if k not in variables
    }


def _collect_state(descriptor: Any, state: dict[str, Any]) -> None:
    if isinstance(descriptor, dict):
        if descriptor.get("kind") == "state" and isinstance(descriptor.get("name"), str):
            state.setdefault(descriptor["name"], descriptor.get("initial"))
        for child in descriptor.get("children", []) or []:
            _collect_state(child, state)
    elif isinstance(descriptor, list):
        for child in descriptor:
            _collect_state(child, state)


def _build(tk: Any, parent: Any, d: Any, variables: dict[str, Any], layout: str) -> None:
    if isinstance(d, ErrorValue) or not isinstance(d, dict):
        return
    kind = d.get("kind")
    widget: Any = None
    if kind == "widget":
        t = d.get("type")
        text = to_str(d.get("text", d.get("label", "")))
        state_name = d.get("state")
        var = variables.get(state_name) if isinstance(state_name, str) else None
        if t == "label":
            widget = (
                tk.Label(parent, text=text, textvariable=var)
                if var
                else tk.Label(parent, text=text)
            )
        elif t == "button":
            widget = tk.Button(parent, text=text)
        elif t == "text_input":
            widget = tk.Entry(parent, textvariable=var) if var else tk.Entry(parent)
        elif t == "checkbox":
            widget = (
                tk.Checkbutton(parent, text=text, variable=var)
                if var
                else tk.Checkbutton(parent, text=text)
            )
        elif t == "dropdown":
            options = [to_str(o) for o in d.get("options", [])] or [""]
            holder = var if var is not None else tk.StringVar(parent, value=options[0])
            widget = tk.OptionMenu(parent, holder, *options)
        elif t == "slider":
            widget = tk.Scale(
                parent,
                from_=d.get("min", 0),
                to=d.get("max", 100),
                orient="horizontal",
                variable=var,
            )
        elif t in ("vbox", "hbox", "grid", "frame"):
            widget = tk.Frame(parent)
            for child in d.get("children", []):
                _build(tk, widget, child, variables, t)
    elif kind == "canvas":
        widget = tk.Canvas(parent, width=d.get("width", 200), height=d.get("height", 200))
        for cmd in d.get("commands", []) or []:
            _draw(widget, cmd)
    if widget is None:
        return
    if layout == "hbox":
        widget.pack(side="left")
    elif layout == "grid":
        index = len(parent.grid_slaves())
        widget.grid(row=index // 3, column=index % 3)
    else:
        widget.pack()


def _draw(canvas: Any, cmd: Any) -> None:
    if not isinstance(cmd, dict) or cmd.get("kind") != "draw":
        return
    shape = cmd.get("shape")
    x, y = cmd.get("x", 0), cmd.get("y", 0)
    w, h = cmd.get("width", 10), cmd.get("height", 10)
    fill = cmd.get("color", cmd.get("fill", "black"))
    if shape == "rect":
        canvas.create_rectangle(x, y, x + w, y + h, fill=fill)
    elif shape == "oval":
        canvas.create_oval(x, y, x + w, y + h, fill=fill)
    elif shape == "line":
        canvas.create_line(x, y, cmd.get("x2", x + w), cmd.get("y2", y + h), fill=fill)
    elif shape == "text":
        canvas.create_text(x, y, text=to_str(cmd.get("text", "")), fill=fill)
    elif shape == "polygon":
        points = [c for p in cmd.get("points", []) if isinstance(p, list) for c in p]
        if len(points) >= 6:
            canvas.create_polygon(*points, fill=fill)
