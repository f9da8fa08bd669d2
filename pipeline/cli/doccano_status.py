"""``python -m pipeline doccano status --project NAME``."""
from __future__ import annotations

from typing import Optional

import typer

from ._app import doccano_app
from ._errors import user_errors, warning
from ._options import PASSWORD, PROJECT, URL, USERNAME


@doccano_app.command("status")
@user_errors
def status_cli(
    project: str = PROJECT,
    url: str = URL,
    username: str = USERNAME,
    password: Optional[str] = PASSWORD,
) -> None:
    """Units, confirmed units, units changed since push, and counts per label and topic."""
    from ..doccano.credentials import connect
    from ..doccano.sync import status

    with connect(url, username, password, warn=warning) as client:
        st = status(client, project)
    typer.echo(f"project {st.project!r}: {st.units} unit(s), {st.confirmed} confirmed, "
               f"{st.changed_since_push} with annotations changed since push, {len(st.changed_texts)} with changed text")
    for title, counts in (("labels", st.labels), ("topics", st.topics)):
        typer.echo(f"{title}:")
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            typer.echo(f"  {name:<24}{n:>7}")
