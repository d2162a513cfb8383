"""The `kb` command: a thin layer over extract/ and kb/."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from extract.formats import MAX_BYTES

from .store.articles import BATCH_SIZE
from .store.ingest import ingest
from .store.schema import open_db

DEFAULT_DB = "kb.db"
ROOT = Path(__file__).resolve().parent.parent


def _metadata_path() -> Path | None:
    for candidate in (Path("metadata.yml"), ROOT / "metadata.yml"):
        if candidate.exists():
            return candidate
    return None


@click.group()
@click.version_option(package_name="credit-claims-kb")
def cli() -> None:
    """Turn scraped Chinese articles on credit-card debt-collection outsourcing into a
    knowledge base of claims, browsable with Datasette."""


@cli.command(name="ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(readable=False))
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, help="SQLite database to write")
@click.option("--jobs", "-j", default=1, show_default=True, help="worker processes for decode/clean/extract")
@click.option("--max-bytes", default=MAX_BYTES, show_default=True, help="refuse files larger than this")
@click.option("--quiet", "-q", is_flag=True, help="no progress bar")
@click.option("--batch-size", default=BATCH_SIZE, show_default=True,
              help="articles stored per transaction (also committed every 2 s; with --jobs, each "
                   "worker's chunk of 16 to 128 files); a crash loses at most one batch")
@click.option("--graph/--no-graph", default=True, show_default=True,
              help="update claim clusters and the graph when articles were added or replaced")
def ingest_cmd(paths: tuple[str, ...], db_path: str, jobs: int, max_bytes: int, quiet: bool, batch_size: int,
               graph: bool) -> None:
    """Ingest article files (.txt, .html, .jsonl) or folders of them."""
    from tqdm import tqdm

    def progress(it, total=None):
        show = not quiet and (total or 0) > 1
        return tqdm(it, total=total, unit="file", file=sys.stderr, disable=not show)

    # the graph update builds the indexes a bulk load leaves (a rebuild: while it clusters the claims)
    summary = ingest(paths, db_path, jobs=jobs, max_bytes=max_bytes, progress=progress, batch_size=batch_size,
                     defer_indexes=graph)
    for kind, lines in (("skipped", summary.skips), ("warning", summary.warnings), ("error", summary.errors)):
        for line in lines:
            click.echo(f"{kind}: {line}", err=True)
    click.echo(summary.line())
    if graph and (summary.added or summary.replaced):
        from .graph.update import update

        done = update(db_path, jobs)
        if done.mode == "rebuilt":
            click.echo(f"graph: rebuilt ({done.reason})", err=True)
        else:
            click.echo(f"graph: {done.mode}, {len(done.added)} articles added, {len(done.removed)} removed", err=True)
    elif graph:
        open_db(db_path).close()  # builds the indexes a bulk load left
    if summary.failed or summary.skipped:
        sys.exit(1)


@cli.command()
@click.argument("db_path", default=DEFAULT_DB, type=click.Path(exists=True, dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True)
@click.option("--immutable", is_flag=True, help="serve a frozen copy for publishing")
def serve(db_path: str, host: str, port: int, immutable: bool) -> None:
    """Serve the knowledge base with Datasette (read-only) on HOST:PORT."""
    args = [sys.executable, "-m", "datasette", "serve", "--host", host, "--port", str(port),
            "--setting", "sql_time_limit_ms", "3000",
            # suggesting facets runs ~50 queries on every table page: 0.4 s a search at 240k claims
            "--setting", "suggest_facets", "off"]
    args += ["--immutable", db_path] if immutable else [db_path]
    meta = _metadata_path()
    if meta:
        args += ["--metadata", str(meta)]
    # exec, not a child process: stopping `kb serve` (Ctrl-C, SIGTERM) stops Datasette
    os.execv(sys.executable, args)


@cli.command(name="eval")
@click.argument("gold", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True)
@click.option("--errors", default=0, show_default=True, help="also list N misses and N false claims")
@click.option("--scorer", default=None, type=click.Path(), help="score.py (default: ../shared/eval/score.py)")
def eval_cmd(gold: tuple[str, ...], db_path: str, errors: int, scorer: str | None) -> None:
    """Score the claims in the database against gold JSONL files."""
    script = Path(scorer) if scorer else ROOT.parent / "shared" / "eval" / "score.py"
    if not script.exists():
        raise click.ClickException(f"scorer not found: {script} (pass --scorer)")
    args = [sys.executable, str(script), db_path, *gold, "--all", "--errors", str(errors)]
    raise SystemExit(subprocess.call(args))


@cli.command(name="train-claims")
@click.argument("gold", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--corpus", default=str(ROOT / "corpus"), show_default=True, type=click.Path(exists=True, file_okay=False))
@click.option("--folds", default=5, show_default=True, help="cross-validation folds (by article)")
@click.option("--write/--dry-run", default=False, help="write extract/data/claim_weights.yml (default: a dry run)")
@click.option("--held-out", is_flag=True,
              help="also score claims of held-out articles the way eval/score.py does (fits once per fold)")
def train_claims(gold: tuple[str, ...], corpus: str, folds: int, write: bool, held_out: bool) -> None:
    """Fit the claim model (types and stance) on annotated articles; print its
    cross-validated figures. Writes the model only with --write."""
    from tqdm import tqdm

    from extract.claims_rules import TYPES, WEIGHTS
    from extract.train import train, write_weights

    if held_out:
        _print_held_out_scores(Path(corpus), list(gold), folds)

    with tqdm(total=folds, desc="fitting (folds)", unit="fold", disable=None, leave=False) as bar:
        model, report = train(Path(corpus), list(gold), folds=folds, progress=bar.update)
    for type_ in TYPES:
        r = report[type_]
        click.echo(f"{type_:<11} cross-validated F1 {r['cv_f1']:.3f}  ({r['positives']} annotated sentence types)")
    click.echo(f"all         cross-validated F1 {report['all']['cv_f1']:.3f}")
    if report["stance"]["cv_accuracy"] is not None:
        click.echo(f"stance      cross-validated accuracy {report['stance']['cv_accuracy']:.3f}  "
                   f"({report['stance']['examples']} annotated legality sentences)")
    click.echo(f"a second type of a sentence needs {model['second_type_min_ratio']:.2f} × the top type's probability")
    click.echo(f"model {model['version']} fitted on data {model['data_sha256'][:12]}")
    if write:
        target = ROOT / "extract" / "data" / WEIGHTS
        write_weights(model, report, target)
        click.echo(f"wrote {target}")
    else:
        click.echo("dry run: nothing written (--write writes the model)")


def _print_held_out_scores(corpus: Path, gold: list[str], folds: int) -> None:
    from tqdm import tqdm

    from extract.held_out import held_out_scores

    with tqdm(total=folds, desc="held-out articles (folds)", unit="fold", disable=None, leave=False) as bar:
        report = held_out_scores(corpus, gold, folds, progress=bar.update)
    click.echo(f"claims of held-out articles ({folds} folds by article), scored like eval/score.py:")
    click.echo(f"{'type':<11} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}")
    for name, r in [*report["by_type"].items(), ("micro", report["micro"])]:
        click.echo(f"{name:<11} {r['p']:6.3f} {r['r']:6.3f} {r['f1']:6.3f} {r['tp']:5} {r['fp']:5} {r['fn']:5}")
    if report["stance_accuracy"] is not None:
        click.echo(f"stance accuracy {report['stance_accuracy']:.3f}")


@cli.command(name="graph")
@click.option("--rebuild", is_flag=True, help="recompute the claim clusters, the nodes and edges tables and metrics")
@click.option("--metrics", is_flag=True, help="recompute degree, PageRank and communities of the stored graph")
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True,
              type=click.Path(exists=True, dir_okay=False))
@click.option("--jobs", "-j", default=1, show_default=True,
              help="with --rebuild, 2 or more: cluster claims and compute metrics in second processes")
def graph_cmd(rebuild: bool, metrics: bool, db_path: str, jobs: int) -> None:
    """Build the graph of articles, claims, subjects, entities and laws into the tables
    nodes and edges (with degree, PageRank and Louvain community), and print its counts.
    `kb ingest` keeps nodes, edges and degree up to date; PageRank and communities of
    nodes added since are recomputed by --rebuild or --metrics."""
    import time

    from .graph.build import rebuild as rebuild_graph, update_metrics

    if not (rebuild or metrics):
        raise click.UsageError("nothing to do: pass --rebuild or --metrics")
    start = time.perf_counter()
    if rebuild:
        counts = rebuild_graph(db_path, jobs)
    else:
        try:
            counts = update_metrics(db_path)
        except LookupError as exc:
            raise click.ClickException(str(exc))
    for what in ("nodes", "edges"):
        total = sum(counts[what].values())
        detail = ", ".join(f"{k} {v}" for k, v in counts[what].items())
        click.echo(f"{what}: {total} ({detail})")
    click.echo(f"graph {'rebuilt' if rebuild else 'metrics computed'} in {time.perf_counter() - start:.2f}s")


@cli.group(name="export")
def export_group() -> None:
    """Export parts of the knowledge base."""


@export_group.command(name="graph")
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "json"]), default="graphml",
              show_default=True, help="json is networkx node-link data")
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True,
              type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", default="-", show_default=True, help="file to write (- for stdout)")
def export_graph_cmd(fmt: str, db_path: str, output: str) -> None:
    """Export the stored graph (tables nodes and edges, with degree, PageRank and
    community on every node that has them)."""
    import sqlite_utils

    from .graph.export import export_graph, graph_from_db

    db = sqlite_utils.Database(db_path)
    try:
        g = graph_from_db(db)
    except LookupError as exc:
        raise click.ClickException(str(exc))
    finally:
        db.close()
    if output == "-":
        export_graph(g, fmt, sys.stdout.buffer)
    else:
        export_graph(g, fmt, output)


if __name__ == "__main__":
    cli()
