"""Every page loads only from this server: no CDN, no font service, and a favicon (issue 12, item 7).

Township offices often have no internet; a script or style sheet from elsewhere leaves a blank
page there. The Chromium walk (tests/walk/make_run_walk.py) also blocks every outside request.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

PAGES = ["/admin", "/kiosk", "/dashboard", "/duty", "/reports", "/visits", "/docs", "/a/not-a-token"]
REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*['"]([^'"]+)['"]""")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the pages are the subject here."""
    return f"sqlite:///{tmp_path / 'watchd.db'}"


def references(html: str) -> list[str]:
    return [a or b for a, b in REFERENCE.findall(html)]


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_every_script_style_and_icon_from_this_server(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.headers["content-type"].startswith("text/html"), path
    refs = references(r.text)
    outside = [u for u in refs if re.match(r"(?i)^(https?:)?//", u)]
    assert outside == [], f"{path} loads from outside this server: {outside}"
    icons = re.findall(r"""<link[^>]+rel=["'](?:shortcut )?icon["'][^>]*>""", r.text)
    assert icons, f"{path} links no icon"
    for ref in refs:
        if ref.startswith("/") and not ref.startswith("/a/"):
            got = client.get(ref)
            assert got.status_code == 200, (path, ref, got.status_code)


def test_favicon_is_an_icon(client: TestClient) -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/vnd.microsoft.icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # ICO header


def test_swagger_ui_is_served_from_the_installed_package(client: TestClient) -> None:
    html = client.get("/docs").text
    script = re.search(r"""<script src=["']([^"']+swagger-ui-bundle\.js)["']""", html)
    assert script, html
    bundle = client.get(script.group(1))
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text[:2000]
    assert "/openapi.json" in html
    assert client.get("/redoc").status_code == 404  # its bundle fetches a logo from a CDN: not offered
