"""Evaluation on hand-built answers whose accuracy, confusions and subsets are known, and the
image-folder reader on small folders written in the test."""

import csv
import io
import pickle

import numpy as np
import pytest
from PIL import Image

from visualizer.inspection.evaluation import ConfusedPair, Evaluation, load_image_folder

NAMES = ("cat", "dog", "bird")


def one_hot_ish(predicted, confidence):
    """Rows whose largest probability is ``confidence`` at ``predicted``, the rest spread evenly."""
    rows = np.zeros((len(predicted), len(NAMES)))
    for row, (choice, sure) in enumerate(zip(predicted, confidence)):
        rows[row, :] = (1 - sure) / (len(NAMES) - 1)
        rows[row, choice] = sure
    return rows


@pytest.fixture
def evaluation():
    # index:      0    1    2    3    4    5    6    7
    labels = [0, 0, 0, 1, 1, 2, 2, -1]
    predicted = [0, 1, 0, 1, 2, 1, 1, 2]
    confidence = [0.9, 0.8, 0.5, 0.7, 0.95, 0.6, 0.85, 0.99]
    images = np.arange(8 * 4 * 4, dtype=np.uint8).reshape(8, 4, 4)
    return Evaluation(images, np.array(labels), one_hot_ish(predicted, confidence), NAMES, source="hand-built")


def test_predictions_confidence_and_accuracy_over_known_labels(evaluation):
    assert evaluation.predictions.tolist() == [0, 1, 0, 1, 2, 1, 1, 2]
    assert np.allclose(evaluation.confidence, [0.9, 0.8, 0.5, 0.7, 0.95, 0.6, 0.85, 0.99])
    assert evaluation.right.tolist() == [True, False, True, True, False, False, False, False]
    assert evaluation.known_count == 7 and evaluation.right_count == 3
    assert evaluation.accuracy == pytest.approx(3 / 7)  # the unknown image counts for neither


def test_confusion_matrix_rows_true_columns_predicted(evaluation):
    assert evaluation.confusion_matrix.tolist() == [[2, 1, 0], [0, 1, 1], [0, 2, 0]]
    assert evaluation.class_totals.tolist() == [3, 2, 2]
    assert np.allclose(evaluation.per_class_accuracy, [2 / 3, 1 / 2, 0.0])


def test_most_confused_pairs_are_off_diagonal_largest_first(evaluation):
    assert evaluation.most_confused() == [ConfusedPair(2, 1, 2), ConfusedPair(0, 1, 1), ConfusedPair(1, 2, 1)]
    assert evaluation.most_confused(limit=1) == [ConfusedPair(2, 1, 2)]


def test_select_by_true_predicted_and_right(evaluation):
    assert evaluation.select().tolist() == list(range(8))
    assert evaluation.select(true=0).tolist() == [0, 1, 2]
    assert evaluation.select(predicted=1).tolist() == [1, 3, 5, 6]
    assert evaluation.select(true=2, predicted=1).tolist() == [5, 6]
    assert evaluation.select(right=True).tolist() == [0, 2, 3]
    assert evaluation.select(right=False).tolist() == [1, 4, 5, 6]  # not 7: its class is unknown
    assert evaluation.select(true=0, right=False).tolist() == [1]


def test_sorting_by_confidence_and_the_most_confident_mistakes(evaluation):
    assert evaluation.sort_by_confidence(np.arange(8)).tolist() == [7, 4, 0, 6, 1, 3, 5, 2]
    assert evaluation.sort_by_confidence([0, 1, 2], most_confident_first=False).tolist() == [2, 1, 0]
    assert evaluation.most_confident_mistakes().tolist() == [4, 6, 1, 5]


def test_captions_follow_the_seed_notebook(evaluation):
    assert evaluation.caption(0) == "cat 90% (cat)"
    assert evaluation.caption(4) == "bird 95% (dog)"
    assert evaluation.caption(7) == "bird 99% (?)"


def test_predictions_csv_parses_back_to_the_evaluation(evaluation):
    rows = list(csv.reader(io.StringIO(evaluation.predictions_csv())))
    assert rows[0] == ["index", "true", "predicted", "confidence", *NAMES]
    body = rows[1:]
    assert [int(row[0]) for row in body] == list(range(8))
    assert [row[1] for row in body] == ["cat", "cat", "cat", "dog", "dog", "bird", "bird", ""]
    assert [NAMES.index(row[2]) for row in body] == evaluation.predictions.tolist()
    assert np.allclose([float(row[3]) for row in body], evaluation.confidence, rtol=1e-5)
    assert np.allclose(np.array([row[4:] for row in body], float), evaluation.probabilities, rtol=1e-5)


def test_confusion_csv_parses_back_to_the_matrix(evaluation):
    rows = list(csv.reader(io.StringIO(evaluation.confusion_csv())))
    assert rows[0][1:] == list(NAMES)
    assert [row[0] for row in rows[1:]] == list(NAMES)
    assert np.array([row[1:] for row in rows[1:]], int).tolist() == evaluation.confusion_matrix.tolist()


def test_class_names_with_commas_are_quoted_in_csv():
    names = ("a, b", "c")
    evaluation = Evaluation(np.zeros((1, 2, 2), np.uint8), np.array([0]), np.array([[0.25, 0.75]]), names)
    rows = list(csv.reader(io.StringIO(evaluation.predictions_csv())))
    assert rows[0][4:] == list(names) and rows[1][1:3] == ["a, b", "c"]


def test_bad_shapes_are_refused_in_words():
    with pytest.raises(ValueError, match="uint8"):
        Evaluation(np.zeros((2, 4, 4)), np.zeros(2), np.full((2, 3), 1 / 3), NAMES)
    with pytest.raises(ValueError, match="3 classes"):
        Evaluation(np.zeros((2, 4, 4), np.uint8), np.zeros(2), np.full((2, 4), 0.25), NAMES)
    with pytest.raises(ValueError, match="differ"):
        Evaluation(np.zeros((3, 4, 4), np.uint8), np.zeros(2), np.full((2, 3), 1 / 3), NAMES)
    with pytest.raises(ValueError, match="labels"):
        Evaluation(np.zeros((2, 4, 4), np.uint8), np.array([0, 3]), np.full((2, 3), 1 / 3), NAMES)


def test_an_evaluation_without_known_labels_has_no_accuracy():
    evaluation = Evaluation(np.zeros((2, 4, 4), np.uint8), np.array([-1, -1]), np.full((2, 3), 1 / 3), NAMES)
    assert np.isnan(evaluation.accuracy)
    assert np.isnan(evaluation.per_class_accuracy).all()
    assert evaluation.most_confused() == []


def test_arrays_cannot_be_changed_behind_the_evaluations_back(evaluation):
    with pytest.raises(ValueError):
        evaluation.labels[0] = 2
    copy = pickle.loads(pickle.dumps(evaluation))  # as it crosses from the model's process
    with pytest.raises(ValueError):
        copy.probabilities[0, 0] = 1.0
    assert copy.confusion_matrix.tolist() == evaluation.confusion_matrix.tolist()
    assert copy.source == "hand-built" and copy.class_names == NAMES


# -- folders -------------------------------------------------------------------------------------
def save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, np.uint8)).save(path)


def test_a_class_folder_is_read_in_keras_order_and_resized_to_the_first_image(tmp_path):
    save(tmp_path / "b_dog" / "1.png", np.full((8, 6), 200))
    save(tmp_path / "a_cat" / "2.png", np.full((8, 6), 10))
    save(tmp_path / "a_cat" / "nested" / "3.png", np.full((16, 12), 50))  # found at any depth, resized
    (tmp_path / "a_cat" / "notes.txt").write_text("not an image")
    (tmp_path / "c_empty").mkdir()  # a class with no images is still a class, as in Keras
    folder = load_image_folder(tmp_path)
    assert folder.class_names == ("a_cat", "b_dog", "c_empty")
    assert folder.labels.tolist() == [0, 0, 1]
    assert folder.images.shape == (3, 8, 6) and folder.images.dtype == np.uint8
    assert folder.images[:, 0, 0].tolist() == [10, 50, 200]
    assert folder.skipped == 0


def test_colour_makes_every_image_rgb_and_a_given_size_wins(tmp_path):
    save(tmp_path / "gray" / "1.png", np.full((5, 5), 100))
    save(tmp_path / "red" / "1.png", np.tile(np.array([255, 0, 0], np.uint8), (7, 7, 1)))
    folder = load_image_folder(tmp_path, size=(4, 3))
    assert folder.images.shape == (2, 4, 3, 3)
    assert folder.images[0, 0, 0].tolist() == [100, 100, 100]
    assert folder.images[1, 0, 0].tolist() == [255, 0, 0]


def test_unreadable_files_are_skipped_and_counted(tmp_path):
    save(tmp_path / "a" / "good.png", np.zeros((4, 4)))
    (tmp_path / "a" / "broken.png").write_bytes(b"not a png at all")
    folder = load_image_folder(tmp_path)
    assert len(folder.images) == 1 and folder.skipped == 1
    assert "1 unreadable file skipped" in folder.source


def test_a_limit_keeps_every_class(tmp_path):
    for name in ("a", "b", "c"):
        for index in range(5):
            save(tmp_path / name / f"{index}.png", np.zeros((3, 3)))
    folder = load_image_folder(tmp_path, max_images=4)
    assert folder.labels.tolist() == [0, 0, 1, 2]


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ("missing", "is not a folder"),
        ("empty", "is empty"),
        ("flat", "has no sub-folders"),
        ("no images", "hold no images"),
        ("all broken", "could be read"),
    ],
)
def test_unusable_folders_are_explained(tmp_path, layout, message):
    folder = tmp_path / "images"
    if layout != "missing":
        folder.mkdir()
    if layout == "flat":
        save(folder / "1.png", np.zeros((3, 3)))
    if layout == "no images":
        (folder / "cat").mkdir()
        (folder / "cat" / "readme.txt").write_text("hello")
    if layout == "all broken":
        (folder / "cat").mkdir()
        (folder / "cat" / "1.jpg").write_bytes(b"\x00" * 10)
    with pytest.raises(ValueError, match=message):
        load_image_folder(folder)
