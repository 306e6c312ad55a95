"""Similarity flags: a renamed copy is found, independent work is not, the stub does not count."""

from __future__ import annotations

from types import SimpleNamespace

from grader.gradebook.similarity import REFERENCE, fingerprints, flags, tokens

OWN_SOFTMAX = '''
def softmax(z):
    """Softmax over the last axis."""
    out = []
    for row in z:
        top = max(row)
        exps = [pow(2.718281828, v - top) for v in row]
        total = sum(exps)
        out.append([e / total for e in exps])
    return out
'''


def test_renaming_and_comments_do_not_hide_a_copy(gb: SimpleNamespace) -> None:
    original = gb.solution("activations")
    disguised = original.replace("z", "logits").replace("# ", "# my own idea: ")
    assert tokens(original) == tokens(disguised)
    found = flags("activations", {"ann": original, "ben": disguised, "cat": OWN_SOFTMAX})
    assert [(f.first, f.second, round(f.similarity, 2)) for f in found] == [("ann", "ben", 1.0)]


def test_the_stub_is_base_code_and_the_reference_is_compared(gb: SimpleNamespace) -> None:
    stub, solution = gb.stub("activations"), gb.solution("activations")
    untouched = {"ann": stub, "ben": stub}
    assert flags("activations", untouched, base=stub) == []
    found = flags("activations", {"ann": solution, "cat": OWN_SOFTMAX}, stub, (solution,))
    assert [(f.first, f.second) for f in found] == [("ann", REFERENCE)]
    assert found[0].to_json() == {"exercise": "activations", "pair": ["ann", REFERENCE], "similarity": 1.0}


def test_a_partial_copy_scores_between_and_hostile_text_does_not_crash(gb: SimpleNamespace) -> None:
    solution = gb.solution("losses")
    half = solution[: len(solution) // 2] + OWN_SOFTMAX * 3
    (flag,) = flags("losses", {"ann": solution, "ben": half}, threshold=0.1)
    assert 0.1 < flag.similarity < 0.95
    for text in ("def f(:\n  '''", "\x00\x01 ]]> <script>", "if x:\n\treturn\n  y"):
        fingerprints(text)
