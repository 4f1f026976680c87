"""The ``signaal`` command line: one entry point whose sub-commands come from each part.

Each part of the system owns a small ``cli`` module with a ``register(app)``
function that adds its commands. Those modules import their heavy dependencies
(Scrapy, spaCy, scikit-learn, FastAPI) inside the command bodies, so that
``signaal --help`` and ``signaal score`` start fast and need no Elasticsearch.
"""

from __future__ import annotations

import importlib

import typer

# Order is the order of the help text: provisioning, data in, analysis, data out.
COMMAND_MODULES = (
    "devtools.es_node.cli",
    "devtools.fixture_sites.cli",
    "devtools.scrapyd_nodes.cli",
    "crawler.cli",
    "crawler.fleet.cli",
    "nlp.cli",
    "models.cli",
    "indexing.cli",
    "linking.cli",
    "devtools.kibana.cli",
    "triage_ui.cli",
    "retention.cli",
    "devtools.demo.cli",
)

app = typer.Typer(
    name="signaal",
    help="Signaal: crawl, analyze, score, index, link and triage online ads for signs of minors and human trafficking.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for module_name in COMMAND_MODULES:
    importlib.import_module(module_name).register(app)


def main() -> None:
    """Console-script entry point."""
    app()
