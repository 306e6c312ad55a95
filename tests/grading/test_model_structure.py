"""A learner's SimpleCNN is known by its structure, never by its attribute names.

The curriculum gives SimpleCNN's layers and their sizes, not what the learner
calls them. The grader finds the Conv2d and Linear layers wherever they were
registered and puts its weights into them in the notes' order. Three correct
forms are graded for real, through the worker, and must score full marks: the
course notes' own (`self.conv_layers` and `self.classifier` Sequentials,
flattened with `x.view`), an `nn.Sequential` subclass, and a functional one
whose layers have other names and are registered in another order (and whose
conv2d_backward returns its triple as a list).
"""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import reference.cnn as reference_cnn  # noqa: E402
from grader.engine import Context, ModuleSubject  # noqa: E402
from grader.exercises.cnn import checks  # noqa: E402
from grader.exercises.cnn.scenarios import simple_cnn, simple_cnn_layers  # noqa: E402
from grader.runner import Options, grade  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "cnn.py").read_text("utf-8")

NOTES_FORM = """
class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_layers = nn.Sequential(
            nn.Conv2d(3, 32, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(32, 64, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2, 2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(64 * 8 * 8, 128),
            nn.ReLU(),
            nn.Linear(128, 10),
        )

    def forward(self, x):
        x = self.conv_layers(x)
        x = x.view(x.size(0), -1)
        return self.classifier(x)
"""

SEQUENTIAL_FORM = """
class SimpleCNN(nn.Sequential):
    def __init__(self):
        super().__init__(
            nn.Conv2d(3, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(4096, 128),
            nn.ReLU(),
            nn.Linear(128, 10),
        )
"""

FUNCTIONAL_FORM = """
import torch.nn.functional as F


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        # the dense layers first: the order of registration is the learner's choice too
        self.hidden = nn.Linear(64 * 8 * 8, 128)
        self.logits = nn.Linear(128, 10)
        self.edges = nn.Conv2d(3, 32, (3, 3), padding="same")
        self.shapes = nn.Conv2d(32, 64, 3, stride=1, padding=(1, 1))

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.edges(x)), 2)
        x = F.max_pool2d(F.relu(self.shapes(x)), kernel_size=2, stride=2)
        x = torch.flatten(x, 1)
        return self.logits(F.relu(self.hidden(x)))


_conv2d_backward = conv2d_backward


def conv2d_backward(dout, x, w, b, stride=1, padding=0):
    return list(_conv2d_backward(dout, x, w, b, stride, padding))  # a list for the triple
"""

MODULE_LIST_FORM = """
class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3, 32, 3, padding=1), nn.Conv2d(32, 64, 3, padding=1)])
        self.fcs = nn.ModuleList([nn.LazyLinear(128), nn.Linear(128, 10)])

    def forward(self, x):
        for conv in self.convs:
            x = torch.max_pool2d(torch.relu(conv(x)), 2)
        x = x.flatten(1)
        return self.fcs[1](torch.relu(self.fcs[0](x)))
"""

FORMS = {"notes": NOTES_FORM, "sequential": SEQUENTIAL_FORM, "functional": FUNCTIONAL_FORM}


def with_simple_cnn(form: str) -> str:
    """The solution's file with its SimpleCNN class replaced by `form`."""
    pattern = re.compile(
        r"^class SimpleCNN\(nn\.Module\):.*?(?=^def count_parameters)", re.S | re.M
    )
    assert pattern.search(SOLUTION), (
        "solutions/cnn.py has no SimpleCNN class before count_parameters"
    )
    return pattern.sub(lambda _: form.strip() + "\n\n\n", SOLUTION)


def as_module(source: str) -> types.ModuleType:
    module = types.ModuleType("learner_cnn")
    exec(compile(source, "<learner cnn>", "exec"), module.__dict__)
    return module


def run_check(check_id: str, learner: types.ModuleType):
    check = next(c for c in checks.EXERCISE.checks if c.id == check_id)
    ctx = Context("cnn", ModuleSubject(learner), ModuleSubject(reference_cnn), "another-secret")
    return check.run(ctx)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_correct_simple_cnn_scores_full_marks(tmp_path: Path, form: str) -> None:
    path = tmp_path / "cnn.py"
    path.write_text(with_simple_cnn(FORMS[form]), "utf-8")
    result = grade("cnn", path, Options())
    assert {c.id: c.message for c in result.checks if not c.passed} == {}
    assert result.score == result.max_score == 28.0
    assert result.misconceptions == []


def test_layers_are_found_where_they_are_and_weighted_in_the_notes_order() -> None:
    expected = simple_cnn(reference_cnn, 4, 2, "cpu")
    for form in (*FORMS.values(), MODULE_LIST_FORM):
        learner = as_module(with_simple_cnn(form))
        received = simple_cnn(learner, 4, 2, "cpu")
        shapes = [{k: v for k, v in layer.items() if k != "path"} for layer in received["layers"]]
        assert shapes == [
            {k: v for k, v in layer.items() if k != "path"} for layer in expected["layers"]
        ]
        assert torch.allclose(
            torch.as_tensor(received["output"]), torch.as_tensor(expected["output"]), atol=1e-5
        )
        for check_id in ("SimpleCNN-layers", "SimpleCNN-forward", "SimpleCNN-hidden"):
            verdict = run_check(check_id, learner)
            assert verdict.passed, (check_id, verdict.message)
    paths = [layer["path"] for layer in simple_cnn_layers(as_module(with_simple_cnn(NOTES_FORM)))]
    assert paths == ["conv_layers.0", "conv_layers.3", "classifier.0", "classifier.2"]


def test_a_wrong_layer_is_named_by_where_the_learner_put_it() -> None:
    learner = as_module(
        with_simple_cnn(NOTES_FORM.replace("nn.Linear(128, 10)", "nn.Linear(128, 5)"))
    )
    verdict = run_check("SimpleCNN-layers", learner)
    assert not verdict.passed
    assert "self.classifier.2 should be Linear(128, 10); yours is Linear(128, 5)" in verdict.message
    unpadded = as_module(with_simple_cnn(FUNCTIONAL_FORM.replace('padding="same"', "padding=0")))
    verdict = run_check("SimpleCNN-layers", unpadded)
    assert not verdict.passed
    assert "self.edges should be Conv2d(3, 32, kernel_size=(3, 3)" in verdict.message
    assert "yours is Conv2d(3, 32, kernel_size=(3, 3), stride=(1, 1), padding=(0, 0))" in (
        verdict.message
    )
    missing = as_module(with_simple_cnn(SEQUENTIAL_FORM.replace("nn.Linear(128, 10),", "")))
    verdict = run_check("SimpleCNN-layers", missing)
    assert not verdict.passed
    assert "should have 4 Conv2d and Linear layers" in verdict.message
    assert "yours has 3" in verdict.message and "(self.7)" in verdict.message
