"""A folder of the user's own pictures as training data: classes with counts, a chosen size,
unreadable files listed and skipped, a stratified split that a seed repeats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from visualizer.training.data import DataError
from visualizer.training.image_folder import (
    MAX_SIDE,
    MAX_WORKERS,
    choose_image_size,
    load_image_folder_dataset,
    reading_threads,
    stratified_split,
    survey_folder,
)

CLASSES = {"circles": 9, "squares": 7, "stripes": 5}


def write_pictures(root: Path, classes: dict[str, int] = CLASSES, *, colour: bool = True) -> Path:
    """Pictures of mixed sizes and modes (RGB, gray, palette, 16-bit, with transparency); each
    class's pictures are filled with its own level, so the tests can tell the classes apart."""
    for number, (name, count) in enumerate(classes.items()):
        folder = root / name
        folder.mkdir(parents=True)
        level = 40 + 80 * number
        for index in range(count):
            width, height = 20 + 4 * (index % 3), 24 + 8 * (index % 2)
            picture = Image.new("RGB" if colour else "L", (width, height), (level, level, level) if colour else level)
            mode = ("RGB", "L", "P", "I;16", "RGBA")[index % 5] if colour else ("L", "I;16")[index % 2]
            if mode == "I;16":
                picture = Image.fromarray(np.full((height, width), level * 257, np.uint16))
            elif mode != picture.mode:
                picture = picture.convert(mode)
            picture.save(folder / f"{index}.png")
    return root


def test_survey_lists_the_classes_with_counts_and_the_broken_files(tmp_path):
    root = write_pictures(tmp_path / "pictures")
    (root / "squares" / "broken.png").write_bytes(b"this is not a picture")
    (root / "stripes" / "notes.txt").write_text("not an image suffix: not listed at all")
    survey = survey_folder(root)
    assert survey.class_counts() == CLASSES
    assert "circles 9, squares 7, stripes 5" in survey.describe()
    assert survey.colour
    assert len(survey.unreadable) == 1 and "broken.png" in survey.unreadable[0]


def test_the_folder_is_read_at_the_median_size_with_the_broken_file_skipped(tmp_path):
    root = write_pictures(tmp_path / "pictures")
    (root / "squares" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    data = load_image_folder_dataset(root, seed=0)
    assert data.class_names == ("circles", "squares", "stripes")
    assert data.image_shape == (24, 24, 3)  # the median height (12 of 24, 9 of 32) and width
    assert len(data.train_labels) + len(data.test_labels) == 21
    assert len(data.skipped) == 1 and "broken.png" in data.skipped[0] and "1 unreadable file skipped" in data.source
    assert data.train_images.dtype == np.uint8
    for images, labels in ((data.train_images, data.train_labels), (data.test_images, data.test_labels)):
        # Every picture holds its own class's level (palette, 16-bit and transparent ones too).
        assert np.allclose(images.mean(axis=(1, 2, 3)), 40 + 80 * labels, atol=2)  # a palette dithers a little


def test_gray_pictures_stay_gray_and_the_size_can_be_given(tmp_path):
    root = write_pictures(tmp_path / "pictures", {"a": 4, "b": 4}, colour=False)
    data = load_image_folder_dataset(root, image_size=(12, 16))
    assert data.image_shape == (12, 16, 1) and data.train_images.ndim == 3


def test_the_size_chosen_is_capped_and_keeps_the_aspect_ratio():
    assert choose_image_size([(28, 28)] * 3) == (28, 28)
    assert choose_image_size([(480, 640), (600, 800), (300, 400)]) == (48, MAX_SIDE)
    assert choose_image_size([(2, 3)]) == (8, 8)  # never smaller than two poolings can take


def test_the_split_is_stratified_and_repeated_by_its_seed():
    labels = np.repeat([0, 1, 2], [10, 5, 2])
    train, test = stratified_split(labels, 0.2, seed=7)
    assert sorted(np.concatenate([train, test])) == list(range(17))
    assert np.bincount(labels[test]).tolist() == [2, 1, 1]  # every class in both parts
    assert np.bincount(labels[train]).tolist() == [8, 4, 1]
    again = stratified_split(labels, 0.2, seed=7)
    assert np.array_equal(train, again[0]) and np.array_equal(test, again[1])
    other = stratified_split(labels, 0.2, seed=8)
    assert not np.array_equal(test, other[1])


def test_a_class_of_one_picture_stays_in_training():
    train, test = stratified_split(np.array([0, 0, 0, 1]), 0.5, seed=0)
    assert 3 in train and 3 not in test


@pytest.mark.parametrize("make, complaint", [
    (lambda root: None, "is not a folder"),
    (lambda root: root.mkdir(), "is empty"),
    (lambda root: (root / "a").mkdir(parents=True) or (root / "a" / "x.png").write_bytes(b"junk"), "no picture that can be read"),
    (lambda root: write_pictures(root, {"only": 3}), "only one class"),
])
def test_folders_that_cannot_be_trained_on_say_why(tmp_path, make, complaint):
    root = tmp_path / "pictures"
    make(root)
    with pytest.raises(DataError, match=complaint):
        load_image_folder_dataset(root)


def test_a_folder_too_small_for_a_test_part_is_refused_in_words(tmp_path):
    from PIL import Image

    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    Image.new("L", (10, 10), 3).save(tmp_path / "a" / "only.png")
    (tmp_path / "b" / "broken.png").write_bytes(b"not a picture")
    with pytest.raises(DataError, match="too few pictures that can be read.*a 1, b 0.*1 unreadable file skipped.*two or more"):
        load_image_folder_dataset(tmp_path)


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_a_picture_turned_by_its_exif_orientation_is_sized_upright(tmp_path, suffix):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        exif = Image.Exif()
        exif[0x0112] = 6  # stored on its side: turned a quarter to stand upright
        Image.new("RGB", (10, 20), (200, 30, 30)).save(tmp_path / name / f"x{suffix}", exif=exif)
    survey = survey_folder(tmp_path)
    assert survey.sizes == ((10, 20), (10, 20))  # (height, width) upright: 20 wide, 10 tall


def test_a_long_read_says_how_far_it_has_got(tmp_path, monkeypatch):
    monkeypatch.setattr("visualizer.training.image_folder.PROGRESS_EVERY_S", 0.0)  # after every chunk
    monkeypatch.setattr("visualizer.training.image_folder.CHUNK", 4)
    heard: list[str] = []
    data = load_image_folder_dataset(write_pictures(tmp_path / "pictures"), on_progress=heard.append, workers=2)
    looking = [text for text in heard if text.startswith("Looking at your pictures: ")]
    reading = [text for text in heard if text.startswith("Reading your pictures: ")]
    assert len(looking) == len(reading) == 7 and len(heard) == 14
    assert looking == ["Looking at your pictures: 21 files…"] + [
        f"Looking at your pictures: {done} of 21 files…" for done in (4, 8, 12, 16, 20, 21)
    ]
    assert reading[-1] == "Reading your pictures: 21 of 21 files…"
    assert len(data.train_labels) + len(data.test_labels) == 21


def test_small_pictures_are_read_on_one_thread_and_big_ones_on_several(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert reading_threads([(32, 32)] * 10 + [(4000, 3000)]) == 1  # the median picture is small
    assert reading_threads([(768, 1024)] * 3) == MAX_WORKERS
    assert reading_threads([]) == 1
