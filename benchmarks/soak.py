"""Soak run: the whole People's Daily 1998 text through the real ``run`` twice, memory sampled.

    python benchmarks/soak.py [--data ../shared/data] [--lines-per-page 100] [--max-chars 0] [--json FILE]
    python benchmarks/soak.py --scaling     # the cleaner's time against input size, and a 50 MB line

The corpus lines (spaces and bracket marks removed, as for the stand-off gold) are written as .txt
pages of ``--lines-per-page`` paragraphs each (a blank line between paragraphs) into a temporary
folder; ``python -m pipeline run configs/default.cfg`` runs over them twice in a subprocess while the
memory of its process tree is sampled every second. Prints, per run: counts, wall time, speed, peak
memory and the memory at each quarter of the run; then whether both runs gave the same counts and the
same bytes, and how much memory grew over the second half of each run (flat: under 5 %). Exits 1
when the two runs disagree or the memory is not flat. Not a test: it takes minutes.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

import psutil
import typer

from pipeline.bench import MemorySampler
from pipeline.paths import PROJECT_ROOT, SHARED_DATA
from pipeline.standoff import resolve_line

PEOPLES_DAILY = Path("segmentation") / "peoples_daily_1998"
FLAT = 0.05  # memory may grow by at most this share over the second half of a run


def write_pages(data: Path, folder: Path, lines_per_page: int, max_chars: int) -> tuple[int, int]:
    """The corpus as .txt pages in ``folder``; the number of pages and of characters written."""
    corpus = data / PEOPLES_DAILY
    if not corpus.is_dir():
        raise SystemExit(f"{corpus}: not found; give --data, the folder that holds {PEOPLES_DAILY}")
    pages = chars = 0
    page: list[str] = []

    def flush(name: str) -> None:
        nonlocal pages, page
        if page:
            (folder / f"{name}_{pages:05d}.txt").write_text("\n\n".join(page) + "\n", encoding="utf-8")
            pages += 1
            page = []

    for file in sorted(corpus.glob("*.txt")):
        with file.open(encoding="utf-8") as f:
            for raw in f:
                text = resolve_line(raw)
                if not text or (max_chars and chars >= max_chars):
                    continue
                page.append(text)
                chars += len(text)
                if len(page) == lines_per_page:
                    flush(file.stem)
        flush(file.stem)
    return pages, chars




def run_once(pages: Path, out: Path, n_process: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "pipeline", "run", "configs/default.cfg", "--output", str(out), "--quiet",
           f"--paths.input={pages}", f"--system.n_process={n_process}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    start = time.monotonic()
    process = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with MemorySampler(process.pid, interval=1.0, proportional=True) as memory:
        _, stderr = process.communicate()
    wall = time.monotonic() - start
    if process.returncode != 0:
        raise SystemExit(f"run failed ({process.returncode}): {stderr.strip()[-2000:]}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    startup = manifest["timings"]["startup"]["seconds"]
    return {
        "counts": manifest["counts"],
        "output_sha256": manifest["output"]["annotated.jsonl"],
        "skipped": len(manifest["skipped"]),
        "wall_seconds": round(wall, 1),
        "startup_seconds": round(startup, 1),
        "chars_per_second": round(manifest["counts"]["characters"] / (wall - startup)),
        **memory_figures(memory.samples, startup),
    }


def memory_figures(samples: list[tuple[float, int]], startup: float) -> dict[str, Any]:
    """Peak, the memory at each quarter of the annotation phase, and its growth over the second half."""
    work = [(t, m) for t, m in samples if t > startup + 2] or samples
    span = work[-1][0] - work[0][0] or 1.0

    def at(share: float) -> int:
        t = work[0][0] + share * span
        return min(work, key=lambda s: abs(s[0] - t))[1]

    second_half = [m for t, m in work if t >= work[0][0] + span / 2]
    middle = statistics.median(m for t, m in work if work[0][0] + span / 4 <= t <= work[0][0] + span / 2) if len(work) > 4 else at(0.5)
    growth = (statistics.median(second_half[-max(1, len(second_half) // 4):]) - middle) / middle
    return {
        "peak_mb": round(max(m for _, m in samples) / 2**20),
        "quarters_mb": [round(at(q) / 2**20) for q in (0.25, 0.5, 0.75, 1.0)],
        "growth_second_half": round(growth, 4),
        "samples": len(samples),
    }


def scaling() -> None:
    """Print the cleaner's seconds on 1x to 8x the same narrow-column page (linear: the ratio follows the
    size) and the reader's on a 50 MB file of one line (decoded, measured, skipped)."""
    from pipeline.clean import clean_text
    from pipeline.read import DocumentReader

    column = "金华市推进平安建设工作。\n"
    base = None
    for factor in (1, 2, 4, 8):
        start = time.perf_counter()
        clean_text(column * 10_000 * factor)
        seconds = time.perf_counter() - start
        base = base or seconds
        typer.echo(f"clean {10_000 * factor:>6} column lines: {seconds:.3f} s ({seconds / base:.1f}x the 10,000-line time)")
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        line = (PROJECT_ROOT / "seeds" / "000_fe018ba71f599853.txt").read_text(encoding="utf-8").replace("\n", "").encode()
        big = Path(tmp) / "big.txt"
        big.write_bytes(line * (50 * 2**20 // len(line) + 1))
        before, start = psutil.Process().memory_info().rss, time.perf_counter()
        reader = DocumentReader(big)
        docs = list(reader())
        seconds, rss = time.perf_counter() - start, psutil.Process().memory_info().rss
        typer.echo(f"read a {big.stat().st_size / 2**20:.0f} MB one-line file: {seconds:.2f} s, {len(docs)} documents, "
                   f"resident memory {before / 2**20:.0f} -> {rss / 2**20:.0f} MB; {reader.log.skipped[0]['reason'][len(str(big)) + 2:]}")


def main(
    data: Path = typer.Option(SHARED_DATA, "--data", help="The shared corpora folder"),
    lines_per_page: int = typer.Option(100, "--lines-per-page", help="Corpus lines per .txt page"),
    max_chars: int = typer.Option(0, "--max-chars", help="Stop writing pages after this many characters (0: all)"),
    n_process: int = typer.Option(1, "--n-process", help="[system] n_process of the runs"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the figures to this file"),
    scale: bool = typer.Option(False, "--scaling", help="Only time the cleaner on growing input and the reader on a 50 MB line"),
) -> None:
    """Run the whole People's Daily text through the pipeline twice and report memory and counts."""
    if scale:
        scaling()
        return
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        work = Path(tmp)
        (work / "pages").mkdir()
        pages, chars = write_pages(data, work / "pages", lines_per_page, max_chars)
        typer.echo(f"{pages} pages, {chars:,} characters of People's Daily 1998 in {work / 'pages'}")
        runs = []
        for i in (1, 2):
            result = run_once(work / "pages", work / f"out{i}", n_process)
            runs.append(result)
            c = result["counts"]
            typer.echo(
                f"run {i}: {c['documents']} documents, {c['units']} units, {c['entities']} entities, "
                f"{c['characters']:,} characters; {result['wall_seconds']} s wall ({result['startup_seconds']} s start-up), "
                f"{result['chars_per_second']:,} chars/s; memory peak {result['peak_mb']} MB, at each quarter "
                f"{' / '.join(str(m) for m in result['quarters_mb'])} MB, second half {result['growth_second_half']:+.1%}"
            )
    same_counts = runs[0]["counts"] == runs[1]["counts"]
    same_bytes = runs[0]["output_sha256"] == runs[1]["output_sha256"]
    flat = all(r["growth_second_half"] < FLAT for r in runs)
    typer.echo(f"same counts twice: {same_counts}; same bytes twice: {same_bytes}; memory flat (< {FLAT:.0%} growth "
               f"over the second half): {flat}")
    if json_out:
        json_out.write_text(json.dumps({"pages": pages, "chars": chars, "runs": runs, "same_counts": same_counts,
                                        "same_bytes": same_bytes, "flat": flat}, indent=2) + "\n", encoding="utf-8")
    if not (same_counts and same_bytes and flat):
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(main)
