"""The app's pages, in navigation order. Each is imported only when first shown, so the window
opens without loading what it does not need yet (TensorFlow above all). What a page offers the
window (stepping, export, an input picture) is declared in `visualizer.ui.page_contract`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    name: str  # identifier for --page
    title: str  # shown in the navigation
    section: str  # navigation group
    factory: str  # "module:callable" returning the page QWidget
    tip: str  # tooltip in the navigation

    def create(self):
        module_name, _, attr = self.factory.partition(":")
        return getattr(importlib.import_module(module_name), attr)()


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "convolution",
        "Convolution",
        "Concepts",
        "visualizer.ui.demos.convolution:ConvolutionPage",
        "Slide a kernel over an image: each output cell is a weighted sum of one window.",
    ),
    PageSpec(
        "stride-padding",
        "Stride and padding",
        "Concepts",
        "visualizer.ui.demos.stride_padding:StridePaddingPage",
        "How stride, padding (valid, same, explicit) and dilation change where the kernel goes and the output size.",
    ),
    PageSpec(
        "pooling",
        "Pooling",
        "Concepts",
        "visualizer.ui.demos.pooling:PoolingPage",
        "Max, average and sum pooling: each window summarised by one number, with no weights.",
    ),
    PageSpec(
        "transposed",
        "Transposed convolution",
        "Concepts",
        "visualizer.ui.demos.transposed:TransposedConvolutionPage",
        "Upsampling two ways: stamping scaled kernels, or a convolution over a spread-out, padded input.",
    ),
    PageSpec(
        "network",
        "Rest of the network",
        "Concepts",
        "visualizer.ui.demos.network:NetworkPage",
        "The notebook's whole CNN, stage by stage: ReLU, pooling, dropout, flatten, dense, softmax.",
    ),
    PageSpec(
        "training",
        "Live training",
        "Training",
        "visualizer.ui.training.page:TrainingPage",
        "Train a CNN (the notebook's, your own layers or a file) on Fashion-MNIST, MNIST, CIFAR-10 or your own "
        "pictures, or watch a script's run, and see its curves, feature maps and kernels change.",
    ),
    PageSpec(
        "inspector",
        "Model inspector",
        "Models",
        "visualizer.ui.inspector.page:InspectorPage",
        "Open a trained image classifier and see why it predicts what it predicts.",
    ),
)


def page_names() -> list[str]:
    return [spec.name for spec in PAGES]


def find_page(name: str) -> PageSpec:
    for spec in PAGES:
        if spec.name == name:
            return spec
    raise KeyError(f"no page named {name!r}; pages: {', '.join(page_names())}")
