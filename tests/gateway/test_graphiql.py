"""The GraphiQL page (outside production) prefills the `Authorization` header and says how to fill it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from strawberry.http.ides import get_graphql_ide_html

from gateway.graphiql import PLACEHOLDER_HEADERS, page


def test_the_page_prefills_the_header_and_explains_it() -> None:
    html = page(get_graphql_ide_html("graphiql"))
    assert json.loads(PLACEHOLDER_HEADERS) == {"Authorization": "Bearer <your API key>"}
    assert f"const PLACEHOLDER_HEADERS = {json.dumps(PLACEHOLDER_HEADERS)};" in html
    assert "React.useState(initialHeaders())" in html
    assert "wsConnectionParams: connectionParams" in html
    assert "uv run billing-gateway api-keys create" in html


def test_a_changed_template_is_refused_not_served_half_edited() -> None:
    with pytest.raises(RuntimeError, match="template changed"):
        page("<html>no anchors</html>")


def test_the_edited_script_is_valid_javascript(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("`node` is not on PATH: install Node.js >= 20 to check the GraphiQL page's script", pytrace=False)
    scripts = re.findall(r"<script>(.*?)</script>", page(get_graphql_ide_html("graphiql")), re.S)
    assert scripts, "no inline script in the GraphiQL page"
    script = tmp_path / "graphiql.js"
    script.write_text(scripts[-1])
    result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
