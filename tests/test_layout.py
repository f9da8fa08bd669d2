"""The package's layout: no import cycles, the modules docs/architecture.md names exist, spaCy finds
our registered functions through entry points, and ``import pipeline`` stays cheap."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, cli
from pipeline.constants import LABELS

PACKAGE = ROOT / "pipeline"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The modules of the package that ``path`` imports anywhere in it (at the top or inside a
    function: an import put in a function to get round a cycle is a cycle all the same)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            base = ".".join(p for p in (base, node.module or "") if p)
            # ``from . import jsonl`` imports a module; ``from .jsonl import loads`` a name of one
            targets = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules] or [base]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imported_modules(path, set(files)) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    assert graph["pipeline.orchestrator"] >= {"pipeline.nlp", "pipeline.export"}  # the graph sees imports
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_the_cycle_check_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


def test_no_component_imports_the_orchestrator() -> None:
    graph = import_graph()
    importers = sorted(name for name, targets in graph.items() if "pipeline.orchestrator" in targets)
    assert importers == ["pipeline.api", "pipeline.bench", "pipeline.cli.annotate", "pipeline.cli.run",
                         "pipeline.cli.segment"]


def test_every_module_the_architecture_names_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(pipeline/[\w/]*\.py)`", text)) | set(re.findall(r"`(pipeline/[\w/]+/)`", text))
    assert len(named) > 30
    assert [n for n in sorted(named) if not (ROOT / n).exists()] == []
    # and every module of the package is named there
    modules = {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py")
               if p.name != "__init__.py" and p.parent.name != "cli"}
    assert sorted(modules - named) == []


def fresh_python(code: str) -> str:
    """Run ``code`` in a new interpreter from the project root; its stdout."""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_spacy_loads_the_ner_model_folder_through_entry_points() -> None:
    """Nothing of ours is imported by hand: spaCy finds the tokenizer, the vectors table and the
    ``entity_tagger`` factory that models/ner/config.cfg names through pyproject's entry points."""
    out = fresh_python(
        "import spacy\n"
        "nlp = spacy.load('models/ner')\n"
        "words = spacy.blank('zh').make_doc('林纪平在浙江省杭州市推进枫桥经验。')  # characters: no pkuseg to load\n"
        "doc = nlp(nlp.tokenizer.from_doc(words))\n"
        "print(type(nlp.tokenizer).__module__, type(nlp.vocab.vectors).__name__, nlp.pipe_names)\n"
        "print(' '.join(sorted({e.label_ for e in doc.ents})))\n"
    )
    first, labels = out.splitlines()
    assert first == "pipeline.ner.tokenizers CachedVectors ['ner']"
    assert labels and set(labels.split()) <= set(LABELS)


def test_import_pipeline_is_cheap() -> None:
    out = fresh_python("import sys, pipeline\n"
                       "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'sklearn', 'pipeline')))")
    assert out.strip() == "['pipeline']"


def test_help_shows_the_config_section_names() -> None:
    """typer's rich markup would swallow ``[system]`` and ``[nlp]``: they are escaped."""
    env = {**os.environ, "COLUMNS": "200"}
    assert "(default: [system] output)" in cli("run", "--help", env=env).stdout
    assert "Run config whose [nlp] to use" in cli("annotate", "--help", env=env).stdout


@pytest.mark.slow  # loads pkuseg's features, the NER and the topic model
def test_a_run_config_loads_in_a_fresh_interpreter_through_entry_points() -> None:
    """spaCy alone, with confection: the components, the pkuseg and lexicon functions, the reader, the
    cleaner and the exporter that configs/default.cfg names are all found through entry points."""
    out = fresh_python(
        "import sys, spacy\n"
        "from confection import Config\n"
        "config = Config().from_disk('configs/default.cfg')\n"
        "nlp = spacy.util.load_model_from_config(config, auto_fill=True)\n"
        "nlp.initialize()\n"
        "stages = spacy.util.registry.resolve({k: config[k] for k in ('reader', 'cleaner', 'export')})\n"
        "doc = nlp('坚持和发展新时代枫桥经验。')\n"
        "print(nlp.pipe_names, [(e.text, e.ent_id_) for e in doc.ents], bool(doc.cats), type(stages['reader']).__name__)\n"
    )
    assert out.strip() == ("['governance_lexicon', 'governance_rules', 'governance_ner', 'topics'] [('新时代枫桥经验', '枫桥经验')] "
                           "True DocumentReader")
