"""The seed notebook's caption colours for test images, and their tooltips (the pictures
themselves are made by ui/kit/thumbnails.py)."""

from __future__ import annotations

import numpy as np
from PyQt6.QtGui import QColor

from visualizer.inspection.evaluation import Evaluation
from visualizer.ui.kit.probability_bars import CHOSEN_COLOUR, TRUE_COLOUR
from visualizer.ui.kit.theme import readable_text_colour

RIGHT_COLOUR = TRUE_COLOUR  # a caption in blue: the model was right
WRONG_COLOUR = CHOSEN_COLOUR  # in red: it was wrong
UNKNOWN_COLOUR = QColor("#444444")  # the true class is not known


def caption_colour(right: bool, known: bool = True) -> QColor:
    if not known:
        return readable_text_colour(UNKNOWN_COLOUR)
    return readable_text_colour(RIGHT_COLOUR if right else WRONG_COLOUR)


def image_tooltip(evaluation: Evaluation, image: int) -> str:
    """One image's caption, the model's top three guesses, and what a click does."""
    top = np.argsort(evaluation.probabilities[image])[::-1][:3]
    guesses = ", ".join(f"{evaluation.class_names[i]} {evaluation.probabilities[image, i]:.0%}" for i in top)
    return f"Image {image}: {evaluation.caption(image)}\nTop 3: {guesses}\nClick to inspect this image."
