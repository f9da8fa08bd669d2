"""Command-line interface: each command module registers itself on the apps of ``_app``."""
from ._app import app

# One import per command module (keep sorted).
from . import annotate  # noqa: F401
from . import bench  # noqa: F401
from . import catalogue  # noqa: F401
from . import compare  # noqa: F401
from . import corrections  # noqa: F401
from . import doccano_pull  # noqa: F401
from . import doccano_push  # noqa: F401
from . import doccano_serve  # noqa: F401
from . import doccano_status  # noqa: F401
from . import evaluate_ner  # noqa: F401
from . import evaluate_ner_cv  # noqa: F401
from . import evaluate_topics  # noqa: F401
from . import evaluate_topics_speed  # noqa: F401
from . import fetch_model  # noqa: F401
from . import gold_resync  # noqa: F401
from . import gold_validate  # noqa: F401
from . import learning_curve  # noqa: F401
from . import lexicon_merge  # noqa: F401
from . import report  # noqa: F401
from . import rules_evaluate  # noqa: F401
from . import run  # noqa: F401
from . import segment  # noqa: F401
from . import select  # noqa: F401
from . import train_ner  # noqa: F401
from . import train_ner_release  # noqa: F401
from . import train_small_ner  # noqa: F401
from . import train_topics  # noqa: F401
