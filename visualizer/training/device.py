"""Which device the Keras backend trains on, said in words, and why not the GPU when one exists.

Import this only after Keras has chosen its backend: it imports that backend.
"""

from __future__ import annotations

import os
import shutil


def nvidia_gpu_present() -> bool:
    """True when the machine has an NVIDIA GPU with its driver loaded, whatever the backend sees."""
    return shutil.which("nvidia-smi") is not None or os.path.exists("/proc/driver/nvidia/version")


def describe_device(backend: str) -> tuple[str, str]:
    """(device, note): e.g. ("GPU: NVIDIA H100 80GB HBM3", "") or ("CPU", "an NVIDIA GPU is
    present but TensorFlow cannot use it: ..."). The note is empty when there is nothing to fix."""
    finders = {"tensorflow": _tensorflow_gpu, "jax": _jax_gpu, "torch": _torch_gpu}
    finder = finders.get(backend)
    gpu_name = finder() if finder else None
    if gpu_name:
        return f"GPU: {gpu_name}", ""
    if nvidia_gpu_present():
        hints = {
            "tensorflow": "install the CUDA build (pip install 'tensorflow[and-cuda]')",
            "jax": "install the CUDA build (pip install 'jax[cuda12]')",
            "torch": "install a CUDA build of PyTorch",
        }
        hint = hints.get(backend, "install the backend's CUDA build")
        return "CPU", (
            f"an NVIDIA GPU is present but {backend} cannot use it, so training runs on the CPU; "
            f"to use the GPU, {hint} and check that its CUDA version matches the driver"
        )
    return "CPU", ""


def _tensorflow_gpu() -> str | None:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    try:
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name")
    except Exception:  # details are optional; the device itself is what matters
        name = None
    name = name or gpus[0].name
    return name if len(gpus) == 1 else f"{name} (and {len(gpus) - 1} more)"


def _jax_gpu() -> str | None:
    import jax

    gpus = [device for device in jax.devices() if device.platform in ("gpu", "cuda", "rocm")]
    if not gpus:
        return None
    name = getattr(gpus[0], "device_kind", "") or str(gpus[0])
    return name if len(gpus) == 1 else f"{name} (and {len(gpus) - 1} more)"


def _torch_gpu() -> str | None:
    import torch

    if not torch.cuda.is_available():
        return None
    count = torch.cuda.device_count()
    name = torch.cuda.get_device_name(0)
    return name if count == 1 else f"{name} (and {count - 1} more)"
