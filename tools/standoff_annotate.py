"""Helper for stand-off annotation of People's Daily 1998 paragraphs (run ``python -m tools.standoff_annotate``).

``candidates``: list governance paragraphs (file:line and resolved text) for reading.
``sample OUT_DIR --pattern REGEX``: draw every paragraph not yet annotated that matches a pattern (e.g. award verbs,
for HONOR examples) into batch files for annotators, as ``tools.xwlb_gold sample`` does for 新闻联播 (``# cv-N:LINE
[split/pattern]`` and the text; keep OUT_DIR outside the repository: batch files quote the corpus); ``tools.xwlb_gold
agreement`` and ``differences`` read the working files.
``build``: turn a working file of surface annotations into stand-off JSONL lines with offsets.

Working file (keep it outside the repository: it quotes corpus text), one block per paragraph::

    @ cv-1:1234 public_security,rule_of_law
    ORG 公安部; LOC 北京; POLICY 刑法#2

A surface is annotated at every occurrence not inside a longer annotated span, or only at the
listed 1-based occurrences after ``#`` (``中国#1,3``). Every surface must be found.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

from pipeline.constants import LABELS
from pipeline.gold import entity_problems
from pipeline.paths import CORRECTIONS, SHARED_DATA, STANDOFF
from pipeline.standoff import read_standoff, resolve_line, split_for
from pipeline.util import dumps_line, sha256_text

PD_DIR = "segmentation/peoples_daily_1998"
KEYWORDS = re.compile(
    "公安|警|法院|检察|法制|法治|司法|犯罪|治安|严打|调解|综合治理|安全|消防|禁毒|毒品|走私|扫黄|打非|"
    "律师|审判|违法|案件|村民委员会|派出所|监狱|纠纷|信访|火灾|假冒|伪劣|执法|立法|法律|腐败|纪检|监察|"
    "政法|盗|抢劫|诈骗|拐卖|赌博|黑社会|判处|刑"
)
TOPICS = (
    "public_security rule_of_law business_environment dispute_resolution grassroots_governance "
    "digital_governance public_safety youth_protection foreign_affairs political_security other"
).split()


def candidates(data_dir: Path, file: str, start: int, count: int, lo: int, hi: int) -> None:
    """Print up to ``count`` keyword-matching, not yet annotated paragraphs of ``file`` from line ``start`` on."""
    lines = (data_dir / PD_DIR / f"{file}.txt").read_text(encoding="utf-8").split("\n")
    done = {r["line"] for r in read_standoff(STANDOFF) if r["file"] == f"{PD_DIR}/{file}.txt"}
    shown = 0
    for number in range(start, len(lines) + 1):
        text = resolve_line(lines[number - 1])
        if number not in done and lo <= len(text) <= hi and len(KEYWORDS.findall(text)) >= 2:
            print(f"{file}:{number} {text}\n")
            shown += 1
            if shown == count:
                return


def parse_work(path: Path) -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    """Blocks of (``cv-N:line``, topics, [(label, surface-spec)])."""
    blocks = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        raw = raw.strip()
        if raw.startswith("@"):
            ref, _, cats = raw[1:].strip().partition(" ")
            blocks.append((ref, cats.strip().split(","), []))
        elif raw and not raw.startswith("%"):
            for item in filter(None, (part.strip() for part in raw.split(";"))):
                label, _, surface = item.partition(" ")
                blocks[-1][2].append((label, surface.strip()))
    return blocks


def locate(text: str, items: list[tuple[str, str]], ref: str) -> list[list]:
    """Character spans for the surface specs, longest surfaces first, never overlapping."""
    taken: list[list] = []
    specs = sorted(items, key=lambda item: -len(item[1].partition("#")[0]))
    for label, spec in specs:
        surface, _, occ = spec.partition("#")
        if label not in LABELS:
            sys.exit(f"{ref}: unknown label {label}")
        starts = [m.start() for m in re.finditer(re.escape(surface), text)]
        if occ:
            starts = [starts[int(n) - 1] for n in occ.split(",") if int(n) <= len(starts)]
        free = [s for s in starts if all(s + len(surface) <= a or s >= b for a, b, _ in taken)]
        if not free:
            sys.exit(f"{ref}: surface not found (or nested): {label} {spec}")
        taken += [[s, s + len(surface), label] for s in free]
    return sorted(taken)


def sample(output: Path, data_dir: Path, pattern: str, batches: int, overlap: int, lo: int = 40, hi: int = 320,
           gold: Path = STANDOFF, corrections: Path = CORRECTIONS) -> None:
    """Every paragraph of ``lo``-``hi`` characters matching ``pattern`` that neither ``gold`` nor a correction of
    ``corrections`` has, shuffled (seed 7) into ``batches`` batch files; each batch also gets the first ``overlap``
    paragraphs of the one before. (A corrected paragraph trains already; had it become held-out gold, training would
    refuse it.)"""
    done = {(r.get("file"), r.get("line")) for path in [gold, *sorted(corrections.rglob("*.jsonl"))] for r in read_standoff(path)}
    chosen = []
    for path in sorted((data_dir / PD_DIR).glob("cv-*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            text = resolve_line(line)
            if lo <= len(text) <= hi and re.search(pattern, text) and (f"{PD_DIR}/{path.name}", number) not in done:
                chosen.append((f"{path.stem}:{number}", text))
    random.Random(7).shuffle(chosen)
    write_batches(output, [(f"{ref} [{split_for(f'pd98:{ref}')}/pattern]", text) for ref, text in chosen], batches, overlap)


def write_batches(output: Path, paragraphs: list[tuple[str, str]], batches: int, overlap: int) -> None:
    """Deal (header, text) pairs into ``batches`` batch files (``# header`` and the text); each batch also gets the first
    ``overlap`` paragraphs of the one before, which two annotators then read."""
    output.mkdir(parents=True, exist_ok=True)
    parts = [paragraphs[k::batches] for k in range(batches)]
    for k, part in enumerate(parts):
        with (output / f"batch{k}.txt").open("w", encoding="utf-8") as handle:
            for header, text in part + parts[(k - 1) % batches][:overlap]:
                handle.write(f"# {header}\n{text}\n\n")
    print(f"{len(paragraphs)} paragraphs in {batches} batches under {output}")


def refuse_problems(where: str, entities: list[list], text: str) -> None:
    """Stop at the first span `gold validate` would refuse (a span inside 发展中国家 or 中国式现代化, a quotation mark at
    an edge), naming the working file and paragraph, while the annotator still has the paragraph open."""
    problem = next(entity_problems(entities, text), None)
    if problem:
        raise SystemExit(f"{where}: {problem[0]}: {problem[1]}")


def pd_record(ref: str, cats: list[str], items: list[tuple[str, str]], data_dir: Path,
              files: dict[str, list[str]] | None = None) -> tuple[dict, str]:
    """The stand-off record of one People's Daily paragraph (``cv-N:LINE``) and its text; ``files`` caches the
    files' lines between calls."""
    files = {} if files is None else files
    file, _, line = ref.partition(":")
    if file not in files:
        files[file] = (data_dir / PD_DIR / f"{file}.txt").read_text(encoding="utf-8").split("\n")
    text = resolve_line(files[file][int(line) - 1])
    bad = [cat for cat in cats if cat not in TOPICS]
    if bad or not cats:
        sys.exit(f"{ref}: bad topics {cats}")
    record_id = f"pd98:{file}:{line}"
    return {"id": record_id, "file": f"{PD_DIR}/{file}.txt", "line": int(line), "text_sha256": sha256_text(text),
            "entities": locate(text, items, ref), "cats": cats, "split": split_for(record_id)}, text


def build(works: list[Path], data_dir: Path) -> None:
    """Print stand-off JSONL lines for every paragraph of the working files; a paragraph two annotators read (the
    batches of ``sample`` share some) is taken from the first working file that has it, as ``tools.xwlb_gold build``
    does."""
    files: dict[str, list[str]] = {}
    taken: set[str] = set()
    for work in works:
        blocks = parse_work(work)
        refs = [ref for ref, _, _ in blocks]
        if len(set(refs)) != len(refs):
            sys.exit(f"{work}: duplicate paragraphs: {sorted({r for r in refs if refs.count(r) > 1})}")
        for ref, cats, items in blocks:
            if ref not in taken:
                taken.add(ref)
                record, text = pd_record(ref, cats, items, data_dir, files)
                refuse_problems(f"{work}: {ref}", record["entities"], text)
                sys.stdout.write(dumps_line(record))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=SHARED_DATA)
    sub = parser.add_subparsers(dest="command", required=True)
    cand = sub.add_parser("candidates")
    cand.add_argument("file")
    cand.add_argument("--start", type=int, default=1)
    cand.add_argument("--count", type=int, default=50)
    cand.add_argument("--min", type=int, default=40)
    cand.add_argument("--max", type=int, default=300)
    smp = sub.add_parser("sample")
    smp.add_argument("output", type=Path)
    smp.add_argument("--pattern", required=True, help="a regular expression the paragraph must match")
    smp.add_argument("--batches", type=int, default=8)
    smp.add_argument("--overlap", type=int, default=4)
    smp.add_argument("--min", type=int, default=40)
    smp.add_argument("--max", type=int, default=320)
    bld = sub.add_parser("build")
    bld.add_argument("work", type=Path, nargs="+")
    args = parser.parse_args()
    if args.command == "candidates":
        candidates(args.data_dir, args.file, args.start, args.count, args.min, args.max)
    elif args.command == "sample":
        sample(args.output, args.data_dir, args.pattern, args.batches, args.overlap, args.min, args.max)
    else:
        build(args.work, args.data_dir)


if __name__ == "__main__":
    main()
