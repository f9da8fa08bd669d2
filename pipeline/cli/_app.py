"""The typer applications that the command modules attach to (as in spaCy's ``spacy/cli/_util.py``)."""
import typer

COMMAND = "python -m pipeline"

app = typer.Typer(
    name="pipeline",
    help="Chinese NLP annotation pipeline for governance news.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
train_app = typer.Typer(help="Train a model (ner, topics).", no_args_is_help=True)
evaluate_app = typer.Typer(help="Evaluate a model (ner, topics).", no_args_is_help=True)
doccano_app = typer.Typer(help="Round trip annotations with a doccano server.", no_args_is_help=True)
gold_app = typer.Typer(help="Work with the gold corpus.", no_args_is_help=True)
rules_app = typer.Typer(help="The labelling functions of the rule stage and the silver data.", no_args_is_help=True)
lexicon_app = typer.Typer(help="Grow the governance lexicon (corpus/lexicon/) from reviewed candidates.", no_args_is_help=True)

app.add_typer(train_app, name="train")
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(doccano_app, name="doccano")
app.add_typer(gold_app, name="gold")
app.add_typer(rules_app, name="rules")
app.add_typer(lexicon_app, name="lexicon")
