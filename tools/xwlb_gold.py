"""The 新闻联播 gold (corpus/gold/xwlb.standoff.jsonl): draw the paragraphs, build the stand-off file
from annotators' working files, and measure agreement between two readings.

Run from the project root as ``python -m tools.xwlb_gold``:

``sample OUT_DIR [--batches 6] [--overlap 12]``
    Draw 880 paragraphs from the 2022-2024 stories (training split) and 440 from 2025 (held out), about
    70 % from governance-dense stories and 30 % at random, at most one paragraph per story, and write
    them as batch files for annotators (``OUT_DIR/batchK.txt``: ``# REF [split/kind]`` and the text).
    Keep OUT_DIR outside the repository: batch files quote the corpus. The first ``--overlap``
    paragraphs of each batch are also given to the next annotator, to measure agreement.
``sample OUT_DIR --more N [--batches 4] [--overlap 8] [--per-story K]``
    A further training round: N paragraphs from 2022-2024 stories the gold does not use yet, drawn the same way;
    with ``--per-story 2``, also a second paragraph of a story the gold uses (never one it has); with ``--focus``,
    the dense 70 % are paragraphs with a word of the weakest labels (honours, programmes) instead.
``sample OUT_DIR --pattern REGEX [--years 2022 2023 2024 2025]``
    Every paragraph of those years' stories that matches REGEX and the gold does not have, shuffled into batches:
    a round aimed at one label (the 2025 honours that let the held-out split measure HONOR recall, which six
    spans could not). Paragraphs of 2025 stay held out when built, like every 2025 paragraph.
``build WORK... --output corpus/gold/xwlb.standoff.jsonl [--add]``
    Turn working files (the final readings; format in ``tools/standoff_annotate.py``, with
    ``@ xwlb-YYYYMMDD-sK:pN topics`` blocks) into stand-off lines. A paragraph read by two annotators
    is taken from the first working file that has it (its own batch's). With ``--add`` the lines already in
    the output stay and only new paragraphs join them.
``as-run OUT_DIR [--split train]``
    Write the gold paragraphs of one split as the ``annotated.jsonl`` of a run (text resolved from the corpus,
    gold entities, date), so that ``python -m pipeline catalogue OUT_DIR --candidates C.jsonl`` lists the names
    the gold marks and the lexicon lacks: the names the pipeline misses never reach the candidates of a run.
    Keep OUT_DIR outside the repository: it holds corpus text.
``agreement A B``
    Span F1 (exact offsets and label) per label and topic agreement between two readings of the same
    paragraphs (two annotators, or the first and second reading of one). ``agreement`` and ``differences`` also read
    People's Daily working files (``@ cv-N:LINE`` blocks, drawn by ``tools.standoff_annotate sample``).
``differences WORK...``
    The shared paragraphs of a round's working files (``work0.txt`` … in batch order: each batch shares its last
    ``--overlap`` paragraphs with the next) that two annotators read differently, with the spans and topics each
    gave, for adjudication; then how many of the shared paragraphs differ.
``lookup SURFACE... [--gold FILE...]``
    How the training gold treated a surface: the labels it gave to exactly that span, the longer spans holding it,
    and its occurrences outside any span with their context (annotators' precedents; the held-out paragraphs are
    never shown). Prints corpus text: for the screen, not for files in the repository.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from collections import Counter
from pathlib import Path

from pipeline.paths import SHARED_DATA
from pipeline.standoff import read_standoff, resolve_standoff, story_paragraph
from pipeline.util import dumps_line, sha256_text
from pipeline.constants import TOPICS
from tools.standoff_annotate import locate, parse_work, pd_record, refuse_problems, write_batches

STORIES = "unlabelled/xinwenlianbo"
# The subjects the issue names as governance-dense (平安中国, 法治, 政法, 公安, ..., legislation and
# 国务院常务会议 decisions, party meetings); a story with four or more hits counts as dense.
DENSE = re.compile(
    "平安中国|平安建设|法治|政法|公安|警|检察|法院|司法|扫黑除恶|反诈|诈骗|禁毒|毒品|信访|调解|基层治理|"
    "网格|枫桥|安全生产|应急|消防|未成年人|社会工作|立法|法律|条例|常务会议|全会|纪委|监察|巡视|"
    "犯罪|治安|执法|审判|人大常委会|决定|意见|专项")
# Words around the labels the model recalls worst (HONOR, PROGRAM; docs/ner.md): ``sample --more N
# --focus`` draws the dense share from paragraphs that have one, so a round brings more of those names.
WEAK_LABELS = re.compile(
    "先进集体|先进个人|先进单位|模范|标兵|楷模|称号|荣誉|表彰|奖章|勋章|示范(?:区|县|市|村|社区|单位|基地|点)|"
    "最美|工程|计划|行动|工作法|品牌|试点|攻坚|“[^”]{2,14}”")
# The year whose paragraphs are held out from everything (issue 16: 2022-2024 train, 2025 held out).
HELD_OUT_YEAR = 2025
REF = re.compile(r"^(xwlb-(\d{4})(\d{2})(\d{2})-s\d+):p(\d+)$")
PD_REF = re.compile(r"^cv-\d+:\d+$")


def paragraphs(data_dir: Path, years: range) -> list[tuple[str, int, str, bool, int]]:
    """(story id, paragraph index, text, dense story, keyword hits) of every paragraph of 25-320 characters."""
    out = []
    for year in years:
        with gzip.open(data_dir / STORIES / f"{year}.jsonl.gz", "rt", encoding="utf-8") as handle:
            for story in map(json.loads, handle):
                dense = len(DENSE.findall(story["title"] + "".join(story["paragraphs"]))) >= 4
                out += [(story["id"], i, p, dense, len(DENSE.findall(p)))
                        for i, p in enumerate(story["paragraphs"]) if 25 <= len(p) <= 320]
    return out


def draw(pool: list, n: int, seed: int, focus: bool = False) -> list[tuple]:
    """``n`` paragraphs: 70 % with a keyword from dense stories (with ``focus``: with a word of
    ``WEAK_LABELS``, from any story), the rest at random; one per story."""
    rng = random.Random(seed)
    dense = [p for p in pool if WEAK_LABELS.search(p[2])] if focus else [p for p in pool if p[3] and p[4] >= 1]
    rng.shuffle(dense)
    seen: set[str] = set()
    out = []
    for p in dense:
        if p[0] not in seen and len(out) < round(n * 0.7):
            seen.add(p[0])
            out.append(("dense", *p))
    rest = list(pool)
    rng.shuffle(rest)
    for p in rest:
        if len(out) >= n:
            break
        if p[0] not in seen:
            seen.add(p[0])
            out.append(("random", *p))
    return out


def split_of(year: int) -> str:
    return "heldout" if year == HELD_OUT_YEAR else "train"


def sample_matching(output: Path, data_dir: Path, pattern: str, years: list[int], gold: Path, batches: int,
                    overlap: int) -> None:
    """Every paragraph of 25-320 characters of ``years`` matching ``pattern`` that ``gold`` lacks, shuffled (seed 7)."""
    try:
        matches = re.compile(pattern).search
    except re.error as error:
        raise SystemExit(f"--pattern {pattern!r}: not a regular expression ({error})")
    taken = {(r["story"], r["paragraph"]) for r in read_standoff(gold)}
    chosen = [(year, story, index, text) for year in sorted(years)
              for story, index, text, *_ in paragraphs(data_dir, range(year, year + 1))
              if (story, index) not in taken and matches(text)]
    random.Random(7).shuffle(chosen)
    write_batches(output, [(f"{story}:p{index} [{split_of(year)}/pattern]", text)
                           for year, story, index, text in chosen], batches, overlap)


def sample(output: Path, data_dir: Path, batches: int, overlap: int, more: int = 0, gold: Path | None = None,
           per_story: int = 1, focus: bool = False) -> None:
    if more:
        # a further training round: paragraphs of 2022-2024 stories the gold has fewer than ``per_story``
        # paragraphs from (the 1,446 governance-dense stories were all used at one a story after the fourth
        # round), none the gold has, none whose text a held-out paragraph repeats (training drops those anyway)
        lines = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
        used = Counter(r["story"] for r in lines)
        taken = {(r["story"], r["paragraph"]) for r in lines}
        held = {r["text_sha256"] for r in lines if r["split"] == "heldout"}
        pool = [p for p in paragraphs(data_dir, range(2022, HELD_OUT_YEAR))
                if used[p[0]] < per_story and (p[0], p[1]) not in taken and sha256_text(p[2]) not in held]
        chosen = [("train", *p) for p in draw(pool, more, 17 + len(lines), focus)]
    else:
        chosen = ([("train", *p) for p in draw(paragraphs(data_dir, range(2022, HELD_OUT_YEAR)), 880, 16)]
                  + [("heldout", *p) for p in draw(paragraphs(data_dir, range(HELD_OUT_YEAR, HELD_OUT_YEAR + 1)), 440, 25)])
    random.Random(7).shuffle(chosen)
    write_batches(output, [(f"{story}:p{index} [{split}/{kind}]", text) for split, kind, story, index, text, *_ in chosen],
                  batches, overlap)


def readings(work: Path, data_dir: Path) -> dict[str, dict]:
    """The stand-off record of every paragraph of one working file, by reference, with its text under ``"_text"``
    (a 新闻联播 paragraph, or a People's Daily one: ``cv-N:LINE``, drawn by ``tools.standoff_annotate sample``)."""
    out = {}
    files: dict[str, list[str]] = {}
    for ref, cats, items in parse_work(work):
        m = REF.match(ref)
        unknown = [c for c in cats if c not in TOPICS]
        if unknown or not cats or ("other" in cats and len(cats) > 1):
            raise SystemExit(f"{work}: {ref}: bad topics {cats}")
        if PD_REF.match(ref):
            record, text = pd_record(ref, sorted(cats), items, data_dir, files)
        elif m:
            story, year, month, day, index = m.group(1), m.group(2), m.group(3), m.group(4), int(m.group(5))
            file = f"{STORIES}/{year}.jsonl.gz"
            text = story_paragraph(data_dir, file, story, index)
            record = {"id": f"xwlb:{ref}", "file": file, "story": story, "paragraph": index,
                      "date": f"{year}-{month}-{day}", "text_sha256": sha256_text(text),
                      "entities": locate(text, items, ref), "cats": sorted(cats),
                      "split": split_of(int(year))}
        else:
            raise SystemExit(f"{work}: {ref}: not a paragraph reference (xwlb-YYYYMMDD-sK:pN or cv-N:LINE)")
        refuse_problems(f"{work}: {ref}", record["entities"], text)
        out[ref] = {**record, "_text": text}
    return out


def build(works: list[Path], output: Path, data_dir: Path, add: bool = False) -> None:
    records: dict[str, dict] = {}
    if add:  # a further round: the gold already built stays as it is, the new paragraphs join it
        for line in output.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            records[record["id"].removeprefix("xwlb:")] = record
    for work in works:
        for ref, record in readings(work, data_dir).items():
            if PD_REF.match(ref):
                raise SystemExit(f"{work}: {ref}: a People's Daily paragraph: build it with tools.standoff_annotate build")
            records.setdefault(ref, {k: v for k, v in record.items() if k != "_text"})
    lines = [dumps_line(records[ref]) for ref in sorted(records)]
    output.write_text("".join(lines), encoding="utf-8")
    splits = Counter(r["split"] for r in records.values())
    labels = Counter(span[2] for r in records.values() for span in r["entities"])
    print(f"{output}: {len(records)} paragraphs ({dict(splits)}), entities {dict(sorted(labels.items()))}")


def as_run(output: Path, gold: Path, split: str, data_dir: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    records = [{"id": r["id"], "doc_id": r["source"]["story"], "date": r["source"]["date"], "text": r["text"],
                "entities": r["entities"]}
               for r in resolve_standoff(gold, data_dir) if r["split"] == split]
    (output / "annotated.jsonl").write_text("".join(dumps_line(r) for r in records), encoding="utf-8")
    print(f"{output / 'annotated.jsonl'}: {len(records)} {split} paragraphs")


def agreement(a: Path, b: Path, data_dir: Path) -> None:
    first, second = readings(a, data_dir), readings(b, data_dir)
    common = sorted(set(first) & set(second))
    counts: dict[str, Counter] = {}
    for ref in common:
        x = {tuple(s) for s in first[ref]["entities"]}
        y = {tuple(s) for s in second[ref]["entities"]}
        for label in {s[2] for s in x | y}:
            c = counts.setdefault(label, Counter())
            xs, ys = {s for s in x if s[2] == label}, {s for s in y if s[2] == label}
            c["both"] += len(xs & ys)
            c["a"] += len(xs)
            c["b"] += len(ys)
    print(f"{len(common)} paragraphs read twice")
    total = sum(counts.values(), Counter())
    for label, c in sorted(counts.items()) + [("all", total)]:
        f1 = 2 * c["both"] / (c["a"] + c["b"]) if c["a"] + c["b"] else 1.0
        print(f"{label:9} F1 {f1:.3f}  ({c['both']} agreed, {c['a']} in A, {c['b']} in B)")
    same = sum(first[r]["cats"] == second[r]["cats"] for r in common)
    pairs = [(t in first[r]["cats"], t in second[r]["cats"]) for r in common for t in TOPICS]
    agreed = sum(x and y for x, y in pairs)
    assigned = sum(x for x, _ in pairs) + sum(y for _, y in pairs)
    print(f"topics: identical sets {same}/{len(common)}, topic-label F1 {2 * agreed / max(1, assigned):.3f}")


def differences(works: list[Path], data_dir: Path) -> int:
    """Print the shared paragraphs that consecutive working files (the last and the first too) read differently;
    return how many differ."""
    read = [readings(work, data_dir) for work in works]
    differ = shared = 0
    # each batch with the next, the last with the first: with two files that is one pair, not the same pair twice
    for k in range(len(read) if len(read) > 2 else len(read) - 1):
        j = (k + 1) % len(read)
        first = read[k]
        for ref in sorted(set(first) & set(read[j])):
            shared += 1
            a, b = first[ref], read[j][ref]
            spans_a, spans_b = {tuple(x) for x in a["entities"]}, {tuple(x) for x in b["entities"]}
            if spans_a == spans_b and a["cats"] == b["cats"]:
                continue
            differ += 1
            text = a["_text"]
            print(f"## {ref}  ({works[k].name} vs {works[j].name})\n{text}")
            for name, only in ((works[k].name, spans_a - spans_b), (works[j].name, spans_b - spans_a)):
                for start, end, label in sorted(only):
                    print(f"  only {name}: {label} {text[start:end]} [{start}]")
            if a["cats"] != b["cats"]:
                print(f"  topics {works[k].name}: {','.join(a['cats'])} | {works[j].name}: {','.join(b['cats'])}")
            print()
    print(f"{differ} of {shared} shared paragraphs differ")
    return differ


def lookup(surfaces: list[str], golds: list[Path], data_dir: Path, examples: int = 3) -> None:
    records = [r for gold in golds for r in resolve_standoff(gold, data_dir) if r.get("split") != "heldout"]
    for surface in surfaces:
        exact, longer, outside = Counter(), Counter(), []
        for r in records:
            text, spans = r["text"], [tuple(x[:3]) for x in r["entities"]]
            for start, end, label in spans:
                if text[start:end] == surface:
                    exact[label] += 1
                elif surface in text[start:end]:
                    longer[(text[start:end], label)] += 1
            for m in re.finditer(re.escape(surface), text):
                if not any(start <= m.start() and m.end() <= end for start, end, _ in spans):
                    around = [f"{text[start:end]}/{label}" for start, end, label in spans if start < m.end() and m.start() < end]
                    outside.append(f"{r['id']}: …{text[max(0, m.start() - 25):m.end() + 25]}…  {' '.join(around) or '-'}")
        print(f"== {surface}\n  as a span: {', '.join(f'{label} x{n}' for label, n in exact.most_common()) or 'never'}")
        if longer:
            print("  inside longer spans: " + "; ".join(f"{name} {label} x{n}" for (name, label), n in longer.most_common(12)))
        print(f"  not a whole span: {len(outside)}" + "".join(f"\n    {line}" for line in outside[:examples]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=SHARED_DATA)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample")
    s.add_argument("output", type=Path)
    s.add_argument("--batches", type=int, default=6)
    s.add_argument("--overlap", type=int, default=12)
    s.add_argument("--more", type=int, default=0, help="a further training round of this many paragraphs from "
                   "2022-2024 stories the gold (--gold) does not yet use (see --per-story)")
    s.add_argument("--gold", type=Path, default=Path("corpus/gold/xwlb.standoff.jsonl"))
    s.add_argument("--per-story", type=int, default=1, help="with --more: draw from stories the gold has fewer than "
                   "this many paragraphs from (2 once the dense stories are all used at one a story)")
    s.add_argument("--pattern", help="every paragraph of --years matching this regular expression that the gold lacks")
    s.add_argument("--years", type=int, nargs="+", default=[2022, 2023, 2024, 2025])
    s.add_argument("--focus", action="store_true", help="with --more: draw the dense 70 %% from paragraphs with a "
                   "word of the weakest labels (honours, programmes: WEAK_LABELS) instead of governance-dense stories")
    b = sub.add_parser("build")
    b.add_argument("works", type=Path, nargs="+")
    b.add_argument("--output", type=Path, default=Path("corpus/gold/xwlb.standoff.jsonl"))
    b.add_argument("--add", action="store_true", help="keep the paragraphs already in --output and add these")
    r = sub.add_parser("as-run")
    r.add_argument("output", type=Path)
    r.add_argument("--gold", type=Path, default=Path("corpus/gold/xwlb.standoff.jsonl"))
    r.add_argument("--split", choices=["train", "heldout"], default="train")
    g = sub.add_parser("agreement")
    g.add_argument("a", type=Path)
    g.add_argument("b", type=Path)
    d = sub.add_parser("differences")
    d.add_argument("works", type=Path, nargs="+")
    k = sub.add_parser("lookup")
    k.add_argument("surfaces", nargs="+")
    k.add_argument("--gold", type=Path, nargs="+",
                   default=[Path("corpus/gold/xwlb.standoff.jsonl"), Path("corpus/gold/pd1998.standoff.jsonl")])
    args = parser.parse_args()
    if args.command == "sample" and args.pattern:
        sample_matching(args.output, args.data_dir, args.pattern, args.years, args.gold, args.batches, args.overlap)
    elif args.command == "sample":
        sample(args.output, args.data_dir, args.batches, args.overlap, args.more, args.gold, args.per_story, args.focus)
    elif args.command == "as-run":
        as_run(args.output, args.gold, args.split, args.data_dir)
    elif args.command == "build":
        build(args.works, args.output, args.data_dir, args.add)
    elif args.command == "differences":
        differences(args.works, args.data_dir)
    elif args.command == "lookup":
        lookup(args.surfaces, args.gold, args.data_dir)
    else:
        agreement(args.a, args.b, args.data_dir)


if __name__ == "__main__":
    main()
