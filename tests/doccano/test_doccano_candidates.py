"""The review of new names against the real doccano server: catalogue --candidates, push, a reviewer's
decisions, pull, lexicon merge, and the next run links the accepted name (issue 17)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from pipeline.candidates import DECISIONS

ROOT = Path(__file__).resolve().parents[2]
# Two paragraphs of a made-up run: three names the model might find and the lexicon lacks.
TEXTS = [("d1", "2024-03-01", "推广“民情日记工作法”和“山海协作升级版”，坚持枫桥式做法。"),
         ("d2", "2024-05-01", "推广民情日记，坚持枫桥式做法，建设山海协作升级版。")]
NAMES = ("民情日记工作法", "山海协作升级版", "枫桥式做法", "民情日记")


def made_run(folder: Path) -> Path:
    folder.mkdir()
    with (folder / "annotated.jsonl").open("w", encoding="utf-8") as f:
        for doc, date, text in TEXTS:
            entities = []
            for name in NAMES:
                start = text.find(name)
                if start >= 0 and not any(s <= start < e for s, e, _ in entities):
                    entities.append([start, start + len(name), "PROGRAM"])
            f.write(json.dumps({"id": f"{doc}:a1:p1", "doc_id": doc, "article_id": f"{doc}:a1", "kind": "body", "date": date,
                                "text": text, "entities": sorted(entities), "entity_links": [], "cats": []},
                               ensure_ascii=False) + "\n")
    return folder


def test_candidates_review_round_trip_grows_the_lexicon(cli: Any, admin_env: dict[str, str], make_annotator: Any,
                                                         project_name: str, tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon"
    shutil.copytree(ROOT / "corpus" / "lexicon", lexicon)
    run = made_run(tmp_path / "run")
    cands = tmp_path / "candidates.jsonl"
    made = cli("catalogue", str(run), "--lexicon", str(lexicon), "--candidates", str(cands), env=admin_env)
    assert made.returncode == 0, made.stderr
    found = {json.loads(line)["candidate"]["name"]: json.loads(line) for line in cands.read_text(encoding="utf-8").splitlines()}
    assert set(found) == {"民情日记工作法", "山海协作升级版", "枫桥式做法"}

    pushed = cli("doccano", "push", str(cands), "--project", project_name, env=admin_env)
    assert pushed.returncode == 0, pushed.stderr
    reviewer = make_annotator(project_name)
    assert set(reviewer.topic_types) == set(DECISIONS)  # the decisions, not the topics
    accept, merge, reject = (found[n]["id"] for n in ("民情日记工作法", "枫桥式做法", "山海协作升级版"))
    reviewer.set_topics(accept, ["accept"])
    reviewer.set_topics(merge, ["merge"])
    target = reviewer.texts[merge].rindex("枫桥经验")  # offered on the "merge into" line
    reviewer.add_span(merge, target, target + 4, "PROGRAM")
    reviewer.set_topics(reject, ["reject"])
    for unit in (accept, merge, reject):
        reviewer.confirm(unit)

    out = tmp_path / "pulled.jsonl"
    pulled = cli("doccano", "pull", "--project", project_name, "--output", str(out), env=admin_env)
    assert pulled.returncode == 0, pulled.stderr
    merged = cli("lexicon", "merge", str(out), "--lexicon", str(lexicon), "--on", "2026-12-02", env=admin_env)
    assert merged.returncode == 0, merged.stderr
    assert "1 accepted, 1 merged, 1 rejected" in merged.stderr
    entries = {e["canonical"]: e for e in map(json.loads, (lexicon / "program.jsonl").read_text(encoding="utf-8").splitlines())}
    new = entries["民情日记工作法"]
    assert (new["accepted_by"], new["first_seen"], new["aliases"]) == ("annie", "2024-03-01", ["民情日记"])
    assert "枫桥式做法" in entries["枫桥经验"]["aliases"] and "山海协作升级版" not in entries
    again = cli("catalogue", str(run), "--lexicon", str(lexicon), "--candidates", str(cands), env=admin_env)
    assert again.returncode == 0, again.stderr
    assert cands.read_text(encoding="utf-8") == "" and "(1 rejected before, left out)" in again.stderr  # each judged once

    import pipeline

    nlp = pipeline.load("configs/default.cfg", {"paths.lexicon": str(lexicon)})
    doc = nlp("各地推广民情日记工作法，坚持枫桥式做法，写好民情日记。")
    links = {(ent.text, ent.ent_id_) for ent in doc.ents if ent.label_ == "PROGRAM"}
    assert {("民情日记工作法", "民情日记工作法"), ("枫桥式做法", "枫桥经验"), ("民情日记", "民情日记工作法")} <= links
