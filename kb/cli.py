"""The `kb` command: a thin layer over extract/ and kb/."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from extract.decode import InputError, Skipped
from extract.formats import MAX_BYTES

from . import METADATA_FILE
from .store.articles import BATCH_SIZE
from .store.ingest import ingest
from .store.schema import open_db

DEFAULT_DB = "kb.db"
ROOT = Path(__file__).resolve().parent.parent
# silver labels the shipped model is fitted on beside the gold (training/synthetic/README.md)
SYNTHETIC = ROOT / "training" / "synthetic"

DEFAULT_LLM_MODEL = "gpt-4o-mini"


def llm_model_option(fn):
    """--llm-model, the same on every command that builds requests."""
    return click.option("--llm-model", default=lambda: os.environ.get("KB_LLM_MODEL", DEFAULT_LLM_MODEL),
                        show_default=f"$KB_LLM_MODEL or {DEFAULT_LLM_MODEL}",
                        help="model named in the requests")(fn)


def _cpus() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def errors_option(fn):
    """--errors N, the same on every command that scores claims against the gold."""
    return click.option("--errors", default=0, show_default=True,
                        help="also list the N most frequent confusions (gold -> predicted), with examples")(fn)


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
@click.option("--extractor", type=click.Choice(["offline", "llm"]), default="offline", show_default=True,
              help="who reads the claims: the offline model (nothing leaves the machine) or a language model")
@llm_model_option
@click.option("--llm-base-url", envvar="OPENAI_BASE_URL", default=None,
              help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 for Ollama [$OPENAI_BASE_URL]")
@click.option("--llm-api-key", envvar="OPENAI_API_KEY", default=None, show_envvar=False,
              help="API key (never stored) [$OPENAI_API_KEY]")
@click.option("--llm-concurrency", default=4, show_default=True, help="requests in flight at once")
@click.option("--llm-timeout", default=120.0, show_default=True, help="seconds to wait for one answer")
@click.option("--llm-retries", default=4, show_default=True,
              help="retries of a request on 429, 5xx, time-outs and refused connections (with backoff)")
@click.option("--llm-responses", type=click.Path(exists=True, dir_okay=False), default=None,
              help="read answers from this Batch API output file instead of asking a server")
def ingest_cmd(paths: tuple[str, ...], db_path: str, jobs: int, max_bytes: int, quiet: bool, batch_size: int,
               graph: bool, extractor: str, llm_model: str, llm_base_url: str | None, llm_api_key: str | None,
               llm_concurrency: int, llm_timeout: float, llm_retries: int, llm_responses: str | None) -> None:
    """Ingest article files (.txt, .html, .jsonl) or folders of them."""
    def progress(it, total=None, unit="file"):
        if quiet or (total or 0) <= 1:
            return it  # tqdm not even imported (some 25 ms of adding one article)
        from tqdm import tqdm

        return tqdm(it, total=total, unit=unit, file=sys.stderr)

    from extract.claims import offline_extractor

    reader = gathered = None
    name = offline_extractor()  # an article whose claims another extractor made is read again
    if extractor == "llm":
        gathered, reader, name = _llm_reader(paths, db_path, max_bytes, progress, llm_model, llm_base_url,
                                             llm_api_key, llm_concurrency, llm_timeout, llm_retries, llm_responses,
                                             explicit_model=_given(click.get_current_context(), "llm_model"))
    # the graph update builds the indexes a bulk load leaves (a rebuild: while it clusters the claims)
    summary = ingest(paths, db_path, jobs=jobs, max_bytes=max_bytes, progress=progress, batch_size=batch_size,
                     defer_indexes=graph, reader=reader, extractor=name)
    for kind, lines in (("skipped", summary.skips), ("warning", summary.warnings), ("error", summary.errors),
                        ("fell back", summary.fallbacks)):
        for line in lines:
            click.echo(f"{kind}: {line}", err=True)
    click.echo(summary.line())
    if gathered is not None:
        _report_llm_run(db_path, gathered, summary)
    if graph and (summary.added or summary.replaced):
        from .graph.update import update

        done = update(db_path, jobs)
        if done.mode == "rebuilt":
            click.echo(f"graph: rebuilt ({done.reason})", err=True)
        else:
            click.echo(f"graph: {done.mode}, {len(done.added)} articles added, {len(done.removed)} removed", err=True)
    elif graph:
        open_db(db_path).close()  # builds the indexes a bulk load left
    if summary.failed or summary.skipped or summary.fell_back:
        sys.exit(1)


def _given(ctx: click.Context, param: str) -> bool:
    return ctx.get_parameter_source(param) not in (click.core.ParameterSource.DEFAULT, None)


def _llm_reader(paths, db_path, max_bytes, progress, model, base_url, api_key, concurrency, timeout, retries,
                responses_file, explicit_model: bool):
    """Answers for the articles under `paths` (cache, responses file or server) and the
    reader that turns them into claims."""
    from extract.llm.answers import extractor_name
    from extract.llm.reader import AnswerReader

    from .llm.batch import read_responses, responses_model
    from .llm.client import ChatClient, MissingClient
    from .llm.gather import gather_answers

    client = responses = None
    try:
        if responses_file:
            responses = dict(read_responses(responses_file))
            if not explicit_model:  # the claims record the model that answered
                model = responses_model(responses.values()) or model
        else:
            client = ChatClient(base_url, api_key, timeout=timeout, max_retries=retries)
    except (InputError, MissingClient) as exc:
        raise click.ClickException(str(exc))
    gathered = gather_answers(paths, db_path, model, client=client, responses=responses, concurrency=concurrency,
                              max_bytes=max_bytes, progress=lambda it, total: progress(it, total, unit="request"))
    return gathered, AnswerReader(gathered.answers, model), extractor_name(model)


def _report_llm_run(db_path: str, gathered, summary) -> None:
    from collections import Counter

    from .llm.cache import record_run

    click.echo(gathered.line())
    reasons = Counter(summary.rejected)
    if reasons:
        click.echo(f"rejected: {sum(reasons.values())} claims of the answers not stored ("
                   + ", ".join(f"{why}: {n}" for why, n in reasons.most_common()) + ")")
    if summary.fell_back:
        click.echo(f"fell back: {summary.fell_back} articles kept their offline claims")
    db = open_db(db_path)
    try:
        record_run(db, {**gathered.run_row(), "claims_rejected": len(summary.rejected),
                        "fell_back": summary.fell_back})
    finally:
        db.close()


@cli.command()
@click.argument("db_arg", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--db", "db_option", default=None, type=click.Path(exists=True, dir_okay=False),
              help=f"the database to serve, as for every command [default: {DEFAULT_DB}]")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True)
@click.option("--immutable", is_flag=True, help="serve a frozen copy for publishing")
def serve(db_arg: str | None, db_option: str | None, host: str, port: int, immutable: bool) -> None:
    """Serve the knowledge base with Datasette (read-only) on HOST:PORT: `kb serve --db
    research.db`, or `kb serve research.db`. Any file name: the plugin finds it by its tables."""
    if db_arg and db_option and db_arg != db_option:
        raise click.UsageError("give the database once: as --db or as the argument")
    db_path = db_option or db_arg or DEFAULT_DB
    if not Path(db_path).is_file():
        raise click.ClickException(f"{db_path}: no such database (run kb ingest first)")
    args = [sys.executable, "-m", "datasette", "serve", "--host", host, "--port", str(port),
            "--setting", "sql_time_limit_ms", "3000",
            # suggesting facets runs ~50 queries on every table page: 0.4 s a search at 240k claims
            "--setting", "suggest_facets", "off"]
    args += ["--immutable", db_path] if immutable else [db_path]
    # the plugin gives the project's metadata.yml to every knowledge base (kb.publish.databases);
    # passed again, Datasette would merge the two copies on each of the ~30 metadata lookups of a
    # page (8 ms a search). A metadata.yml of the reader's own, in the current folder, is passed.
    own = Path("metadata.yml")
    if own.is_file() and own.resolve() != METADATA_FILE:
        args += ["--metadata", str(own)]
    # exec, not a child process: stopping `kb serve` (Ctrl-C, SIGTERM) stops Datasette
    os.execv(sys.executable, args)


@cli.command(name="eval")
@click.argument("gold", nargs=-1, type=click.Path())
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True)
@errors_option
@click.option("--exclude", multiple=True, help="leave this article (file name) out; repeatable")
@click.option("--exclude-examples", is_flag=True,
              help="leave out the articles the language-model prompt shows as examples")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def eval_cmd(gold: tuple[str, ...], db_path: str, errors: int, exclude: tuple[str, ...], exclude_examples: bool,
             as_json: bool) -> None:
    """Score the claims in the database against gold JSONL files (default: the repository's
    tests/gold/*.jsonl), overall and per extractor, by the matching rule of
    ../shared/eval/score.py: every article of the database counts."""
    import json

    from extract.scoring import format_report

    from .store.evaluate import EvalError, evaluate

    gold = gold or tuple(str(p) for p in sorted((ROOT / "tests" / "gold").glob("*.jsonl")))
    if not gold:
        raise click.UsageError("no gold files given, and none in tests/gold/")
    names = set(exclude)
    if exclude_examples:
        from extract.llm.prompt import example_articles
        names |= set(example_articles())
    mistakes: list = []
    try:
        result = evaluate(db_path, list(gold), names, mistakes if errors else None)
    except EvalError as exc:
        raise click.ClickException(str(exc))
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for line in format_report(result["all"]):
        click.echo(line)
    if len(result["by_extractor"]) > 1 or any(e != "offline" for e in result["by_extractor"]):
        for extractor, rep in sorted(result["by_extractor"].items()):
            m = rep["micro"]
            stance = "n/a" if rep["stance_accuracy"] is None else f"{rep['stance_accuracy']:.3f}"
            click.echo(f"extractor {extractor}: articles {rep['articles']}, micro F1 {m['f1']:.3f} "
                       f"(P {m['p']:.3f} R {m['r']:.3f}), stance accuracy {stance}")
    if result["excluded"]:
        click.echo(f"left out: {', '.join(result['excluded'])}")
    if errors:
        _print_confusions(mistakes, errors)


def _print_confusions(mistakes: list, n: int) -> None:
    from collections import defaultdict

    groups = defaultdict(list)
    for m in mistakes:
        groups[m.gold, m.predicted].append(m)
    click.echo(f"most frequent confusions (gold -> predicted; '-' none), {len(mistakes)} mistakes:")
    for (gold, predicted), ms in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:n]:
        click.echo(f"  {gold} -> {predicted}: {len(ms)}")
        for m in ms[:2]:
            click.echo(f"      {m.article}: {m.text[:70]}")


@cli.command(name="train-claims")
@click.argument("gold", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--corpus", default=str(ROOT / "corpus"), show_default=True, type=click.Path(exists=True, file_okay=False))
@click.option("--folds", default=5, show_default=True, help="cross-validation folds (by article)")
@click.option("--write/--dry-run", default=False, help="write extract/data/claim_weights.yml (default: a dry run)")
@click.option("--held-out", is_flag=True,
              help="also score claims of held-out articles the way eval/score.py does (fits once per fold)")
@click.option("--silver", "silver_paths", multiple=True, type=click.Path(exists=True),
              help="also fit on these silver labels: a database (its language-model claims) or a folder of "
                   "articles with their claims.jsonl; default: " + str(SYNTHETIC.relative_to(ROOT)))
@click.option("--gold-only", is_flag=True, help="fit on the gold alone, without the default silver folder")
@click.option("--repeats", default=1, show_default=True, type=click.IntRange(min=1),
              help="with --held-out: also deal the articles to folds in REPEATS-1 other (seeded) orders and "
                   "print the mean and spread of the figures")
@click.option("--jobs", "-j", default=_cpus(), show_default=True, type=click.IntRange(min=1),
              help="processes fitting at once (the folds of a fit); any number gives the same model")
@errors_option
def train_claims(gold: tuple[str, ...], corpus: str, folds: int, write: bool, held_out: bool,
                 silver_paths: tuple[str, ...], gold_only: bool, repeats: int, errors: int, jobs: int) -> None:
    """Fit the claim model (types and stance) on annotated articles, and on silver labels
    (training/synthetic/ unless --gold-only); print its cross-validated figures. Writes the
    model only with --write. With --held-out, --errors lists the confusions on held-out
    articles (those of the first deal): the mistakes an unseen article will show."""
    from threadpoolctl import threadpool_limits
    from tqdm import tqdm

    from extract.claims_rules import TYPES, WEIGHTS
    from extract.train import load_gold, read_annotated, train, write_weights

    # the fits are many small sparse problems: BLAS threads only contend for the cores
    # (on a busy 2-core machine one thread fits about ten times faster), and one thread
    # gives the same model; the limit holds until the command ends
    click.get_current_context().with_resource(threadpool_limits(limits=1))
    if not silver_paths and not gold_only and SYNTHETIC.is_dir():
        silver_paths = (str(SYNTHETIC),)
    silver = _load_silver(silver_paths, leave_out=set(load_gold(list(gold)))) if silver_paths else None
    annotated = read_annotated(Path(corpus), list(gold), silver)  # read once for every fit below
    if held_out:
        _print_held_out_scores(Path(corpus), list(gold), folds, annotated, repeats, errors, jobs)

    # the folds' fits, and last the fit on every article
    with tqdm(total=folds + 1, desc="fitting (folds)", unit="fit", disable=None, leave=False) as bar:
        model, report = train(Path(corpus), list(gold), folds=folds, progress=bar.update, silver=silver, jobs=jobs,
                              annotated=annotated)
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


def _load_silver(paths: tuple[str, ...], leave_out: set[str]) -> list[tuple[str, str, list[dict]]]:
    """Silver articles (name, text, claims) of databases and annotated folders, but those
    the gold annotates (an article scored is never fitted on, not even on silver labels)."""
    from extract.train import annotated_folder

    from .store.silver import silver_articles

    silver: list[tuple[str, str, list[dict]]] = []
    for path in paths:
        folder = Path(path).is_dir()  # a folder of annotated articles, else a knowledge base
        try:
            found = annotated_folder(Path(path)) if folder else silver_articles(path, leave_out=leave_out)
        except (FileNotFoundError, ValueError) as exc:
            raise click.ClickException(str(exc))
        found = [a for a in found if a[0] not in leave_out]
        kind = "articles annotated by a language model" if folder else "articles, claims of a language model"
        click.echo(f"silver: {len(found)} {kind}, {sum(len(r) for _, _, r in found)} claims, from {path} "
                   f"(fitted on in every fold, never scored)")
        silver += found
    return silver


def _print_held_out_scores(corpus: Path, gold: list[str], folds: int, annotated, repeats: int = 1,
                           errors: int = 0, jobs: int = 1) -> None:
    """The held-out figures of `repeats` deals of the articles to folds; `annotated`: the
    data every fit reads (extract.train.read_annotated, silver included), read once."""
    from tqdm import tqdm

    from extract.held_out import held_out_scores

    reports, mistakes = [], []
    with tqdm(total=folds * repeats, desc="held-out articles (folds)", unit="fold", disable=None, leave=False) as bar:
        for order in range(repeats):
            reports.append(held_out_scores(corpus, gold, folds, progress=bar.update, order=order,
                                           mistakes=mistakes if errors and order == 0 else None, jobs=jobs,
                                           annotated=annotated))
    report = reports[0]
    click.echo(f"claims of held-out articles ({folds} folds by article), scored like eval/score.py:")
    click.echo(f"{'type':<11} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}")
    for name, r in [*report["by_type"].items(), ("micro", report["micro"])]:
        click.echo(f"{name:<11} {r['p']:6.3f} {r['r']:6.3f} {r['f1']:6.3f} {r['tp']:5} {r['fp']:5} {r['fn']:5}")
    if report["stance_accuracy"] is not None:
        click.echo(f"stance accuracy {report['stance_accuracy']:.3f}")
    if repeats > 1:
        _print_spread(reports)
    if errors:
        _print_confusions(mistakes, errors)


def _print_spread(reports: list[dict]) -> None:
    """Mean and spread of the held-out figures over several deals of the articles to folds."""
    import statistics

    def spread(values: list[float]) -> str:
        return (f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f} "
                f"({min(values):.3f}–{max(values):.3f})")

    click.echo(f"over {len(reports)} deals of the articles to folds (the first is the one above): mean ± sd (min–max)")
    for name in reports[0]["by_type"]:
        click.echo(f"{name:<11} F1 {spread([r['by_type'][name]['f1'] for r in reports])}")
    click.echo(f"{'micro':<11} F1 {spread([r['micro']['f1'] for r in reports])}")
    stances = [r["stance_accuracy"] for r in reports if r["stance_accuracy"] is not None]
    if len(stances) > 1:
        click.echo(f"stance accuracy {spread(stances)}")


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

    from .graph.build import graph_state, rebuild as rebuild_graph, update_metrics

    if not (rebuild or metrics):
        _print_graph_state(db_path, graph_state(db_path))
        return
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


def _print_graph_state(db_path: str, state: dict | None) -> None:
    if state is None:
        click.echo(f"{db_path}: no graph yet (kb ingest builds it; kb graph --rebuild builds it again)")
        return
    for what in ("nodes", "edges"):
        detail = ", ".join(f"{k} {v}" for k, v in state[what].items())
        click.echo(f"{what}: {sum(state[what].values())} ({detail})")
    for key, value in state["state"].items():
        click.echo(f"{key}: {value}")
    click.echo("graph is current" if state["current"] else "graph was built by other code: kb graph --rebuild")


@cli.group(name="llm")
def llm_group() -> None:
    """The language-model extractor's requests and answers."""


@llm_group.command(name="requests")
@click.argument("paths", nargs=-1, required=True, type=click.Path(readable=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="JSONL file to write")
@llm_model_option
@click.option("--max-bytes", default=MAX_BYTES, show_default=True, help="refuse files larger than this")
def llm_requests_cmd(paths: tuple[str, ...], output: str, llm_model: str, max_bytes: int) -> None:
    """Write the exact chat-completion requests `kb ingest --extractor llm` would send for
    the articles under PATHS, in the OpenAI Batch API's input format; nothing is sent."""
    from .llm.batch import write_requests
    from .llm.requests import article_requests

    errors, articles = [], 0

    def requests():
        nonlocal articles
        for item in article_requests(paths, llm_model, max_bytes):
            if isinstance(item, InputError):
                errors.append(item)
                continue
            articles += 1
            yield from item.requests
    written = write_requests(requests(), output)
    for err in errors:
        click.echo(f"{'skipped' if isinstance(err, Skipped) else 'error'}: {err}", err=True)
    click.echo(f"{written} requests for {articles} articles written to {output}")


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
