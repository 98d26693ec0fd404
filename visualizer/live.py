"""Watch your own training in CNN Visualizer: ``model.fit(..., callbacks=[LiveView()])``.

``import visualizer.live`` loads neither Qt nor Keras, so it costs nothing on a server or in a
notebook. LiveView must be a real keras.callbacks.Callback subclass, which needs Keras imported,
so the class is defined in visualizer.training.live_callback and loaded on first access of
``visualizer.live.LiveView`` (a module ``__getattr__``, PEP 562): by then the script is about to
train with Keras anyway, and Keras has chosen its backend from KERAS_BACKEND.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for editors and type checkers only; at run time __getattr__ below loads it
    from visualizer.training.live_callback import LiveView

__all__ = ["LiveView"]


def __getattr__(name: str):
    if name == "LiveView":
        from visualizer.training.live_callback import LiveView

        globals()["LiveView"] = LiveView  # later look-ups find it directly
        return LiveView
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "LiveView"])
