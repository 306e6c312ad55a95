"""What the class got wrong: `neurograde report GRADEBOOK --format html|markdown|json`.

From a gradebook (a store or a JSON gradebook): per exercise the score
distribution, who has not submitted and whom the grader failed on; each named
mistake with how many learners made it (once per learner, however many
exercises show it), in which exercises and functions; the checks failed most;
and near copies (from a store, which keeps the sources). matplotlib draws the
plots, and is imported only for html.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter, defaultdict
from typing import Any

from grader import catalog
from grader.gradebook.books import Loaded
from grader.gradebook.similarity import flags
from grader.render import templates
from grader.render.escape import markdown_text

REPORT_SCHEMA = "neurograde.report/1"
BINS = 10
MOST_FAILED = 10
SCORED = ("property", "hidden")


def spoken_list(items: list[str]) -> str:
    """["a"] -> "a"; ["a", "b", "c"] -> "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _functions_by_mistake(names: list[str]) -> dict[tuple[str, str], set[str]]:
    """(exercise, misconception) -> the functions whose mutants make that mistake."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name in names:
        try:
            exercise = catalog.load(name)
        except (ImportError, KeyError):
            continue
        for mutant in exercise.mutants:
            found[(name, mutant.misconception)].add(mutant.replaces.split(".")[-1])
    return found


def build(loaded: Loaded, threshold: float | None = None) -> dict[str, Any]:
    """The report as data (its JSON form; html and markdown render it)."""
    book = loaded.gradebook
    names: list[str] = list(book["exercises"])
    runs: dict[str, Any] = book.get("results", {})
    learners = sorted(book["submissions"])
    total = len(learners)
    by_exercise: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for learner, run in runs.items():
        for result in run["exercises"]:
            by_exercise[result["exercise"]][learner] = result
    exercises = [_exercise(name, by_exercise[name], learners) for name in names]
    where = _functions_by_mistake(names)
    made: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for name in names:
        for learner, result in by_exercise[name].items():
            for mistake in result.get("misconceptions", []):
                made[mistake][learner].add(name)
    mistakes = []
    for mistake, who in made.items():
        in_exercises = [n for n in names if any(n in found for found in who.values())]
        functions = sorted({f for n in in_exercises for f in where.get((n, mistake), ())})
        percent = 100 * len(who) / total
        mistakes.append(
            {
                "misconception": mistake,
                "learners": len(who),
                "of": total,
                "percent": round(percent, 1),
                "exercises": in_exercises,
                "functions": functions,
                "who": sorted(who),
                "sentence": f"{mistake}: {len(who)} of {total} learners ({percent:.0f} %), "
                f"in {spoken_list(in_exercises)}",
            }
        )
    mistakes.sort(key=lambda m: (-m["learners"], m["misconception"]))
    failed = [c for e in exercises for c in e.pop("_failed")]
    failed.sort(key=lambda c: (-c["failed"], c["exercise"], c["check"]))
    missing: dict[str, list[str]] = defaultdict(list)
    for exercise in exercises:
        for learner in exercise["missing"]:
            missing[learner].append(exercise["exercise"])
    return {
        "schema": REPORT_SCHEMA,
        "learners": total,
        "exercises": exercises,
        "mistakes": mistakes,
        "checks_failed_most": failed[:MOST_FAILED],
        "not_submitted": dict(sorted(missing.items())),
        "similar": _similar(loaded, names, threshold),
    }


def _exercise(name: str, results: dict[str, dict[str, Any]], learners: list[str]) -> dict[str, Any]:
    submitted = {
        who: r for who, r in results.items() if r.get("status") != "error" and not _is_missing(r)
    }
    full = max((r["max_score"] for r in results.values()), default=0.0)
    scores = [r["score"] for r in submitted.values()]
    width = full / BINS if full else 1.0
    counts = Counter(min(int(s / width), BINS - 1) for s in scores)
    failures: Counter[str] = Counter()
    for result in submitted.values():
        for check in result["checks"]:
            if not check["passed"] and check["kind"] in SCORED:
                failures[check["id"]] += 1
    return {
        "exercise": name,
        "max_score": full,
        "submitted": len(submitted),
        "missing": [
            who for who in learners if who not in submitted and _counts_missing(results.get(who))
        ],
        "grader_errors": sorted(who for who, r in results.items() if r.get("status") == "error"),
        "mean": round(statistics.fmean(scores), 3) if scores else None,
        "median": statistics.median(scores) if scores else None,
        "full_marks": sum(s >= full for s in scores) if full else 0,
        "zero": sum(s == 0 for s in scores),
        "histogram": [
            {"from": round(i * width, 3), "to": round((i + 1) * width, 3), "count": counts[i]}
            for i in range(BINS)
        ],
        "_failed": [
            {"exercise": name, "check": check, "failed": count, "of": len(submitted)}
            for check, count in failures.items()
        ],
    }


def _is_missing(result: dict[str, Any]) -> bool:
    """No file was submitted (JSON gradebooks of earlier versions say so only in `errors`)."""
    if "status" in result:
        return result["status"] == "missing"
    return any(e.startswith("no file ") for e in result.get("errors", []))


def _counts_missing(result: dict[str, Any] | None) -> bool:
    return result is None or _is_missing(result)


def _similar(
    loaded: Loaded, names: list[str], threshold: float | None
) -> list[dict[str, Any]] | None:
    if loaded.sources is None:
        return None
    found = []
    for name in names:
        sources = {who: text for (who, ex), text in loaded.sources.items() if ex == name}
        options = {} if threshold is None else {"threshold": threshold}
        found += flags(
            name,
            sources,
            _stub(name),
            _references(name),
            **options,
        )
    return [f.to_json() for f in found]


def _stub(name: str) -> str:
    """The learner's starting file: code every submission shares by design."""
    try:
        return catalog.stub_text(name)
    except (OSError, KeyError):
        return ""


def _references(name: str) -> tuple[str, ...]:
    """The reference module's source (and the solution's, in a checkout or a course)."""
    import importlib.util

    texts = []
    solution = catalog.solution_file(name)
    if solution.is_file():
        texts.append(solution.read_text("utf-8"))
    try:
        spec = importlib.util.find_spec(catalog.load(name).reference)
    except (ImportError, KeyError):
        spec = None
    if spec is not None and spec.origin:
        with open(spec.origin, encoding="utf-8") as handle:
            texts.append(handle.read())
    return tuple(texts)


# -- rendering ---------------------------------------------------------------

def _environment(autoescape: bool) -> Any:
    env = templates("grader.gradebook", autoescape=autoescape)
    # learner ids are folder names: any markdown in them is shown, not rendered
    env.filters["md"] = lambda value: markdown_text(str(value))
    env.filters["number"] = lambda v: "-" if v is None else f"{v:g}"
    return env


def render(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        import json

        return json.dumps(report, indent=2) + "\n"
    if fmt == "markdown":
        return _environment(autoescape=False).get_template("report.md.j2").render(r=report)
    plots = {e["exercise"]: _histogram_svg(e) for e in report["exercises"] if e["submitted"]}
    if report["mistakes"]:
        plots["*mistakes"] = _mistakes_svg(report)
    return (
        _environment(autoescape=True).get_template("report.html.j2").render(r=report, plots=plots)
    )


def _figure(height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "neurograde"
    return plt.subplots(figsize=(6.4, height))


def _svg(fig: Any) -> str:
    import matplotlib.pyplot as plt

    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = out.getvalue()
    return text[text.index("<svg") :]


def _histogram_svg(exercise: dict[str, Any]) -> str:
    fig, ax = _figure(2.6)
    bins = exercise["histogram"]
    ax.bar(
        [b["from"] for b in bins],
        [b["count"] for b in bins],
        width=[b["to"] - b["from"] for b in bins],
        align="edge",
        color="#4c72b0",
        edgecolor="white",
    )
    ax.set_xlim(0, exercise["max_score"] or 1)
    ax.set_xlabel(f"score (points, of {exercise['max_score']:g})")
    ax.set_ylabel("learners")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"{exercise['exercise']}: scores of {exercise['submitted']} submissions")
    return _svg(fig)


def _mistakes_svg(report: dict[str, Any]) -> str:
    shown = report["mistakes"][:15][::-1]
    fig, ax = _figure(0.35 * len(shown) + 1.2)
    ax.barh([m["misconception"] for m in shown], [m["percent"] for m in shown], color="#c44e52")
    ax.set_xlabel(f"learners who made the mistake (% of {report['learners']})")
    ax.set_xlim(0, 100)
    ax.set_title("named mistakes")
    return _svg(fig)
