#!/usr/bin/env python3
"""Screenshots of every console page from the demo's data, for docs/console.md (`make screenshots`).

Runs ``collector demo --fast`` (a shop's day through a real broker: stock, an alert, devices),
serves the console over its ledger, logs in with Debian's chromium (Playwright) as an admin
and as a client user, and saves each page at 1280×720 (the whole page) to docs/screenshots/.
The list of pages comes from the console's routes (``collector.console.sitemap``), the sample
ids from the ledger, and docs/console.md's screenshot section is rewritten to match, so the
pictures and the doc stay true.

Run: make screenshots   (or .venv/bin/python scripts/screenshots.py [--reuse-demo])
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from playwright import sync_api  # noqa: E402

from benchmarks.console_pages.pages import Page, console_pages  # noqa: E402
from benchmarks.console_pages.seed import seed  # noqa: E402
from benchmarks.results_file import replace_section  # noqa: E402
from collector.api.access import Role  # noqa: E402
from collector.api.app import create_app  # noqa: E402
from collector.api.context import ApiContext  # noqa: E402
from collector.api.idempotency import IdempotencyStore  # noqa: E402
from collector.api.tokens import TokenVerifier  # noqa: E402
from collector.clock import SystemClock  # noqa: E402
from collector.console.sitemap import slug  # noqa: E402
from collector.console.users import add_user  # noqa: E402
from collector.ledger.engine import open_ledger  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
OUT = ROOT / "docs" / "screenshots"
DOC = ROOT / "docs" / "console.md"
START, END = "<!-- screenshots:start -->", "<!-- screenshots:end -->"
PASSWORD = "screenshots only"  # noqa: S105 - a throwaway user of a throwaway demo ledger
USERS = (("ops-lead", Role.ADMIN), ("client-viewer", Role.CLIENT))


def main() -> int:
    """Demo, serve, photograph, rewrite the doc's section; 1 when a page failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "screenshots")
    parser.add_argument("--reuse-demo", action="store_true", help="keep a ledger from before")
    args = parser.parse_args()
    ledger = args.var_dir / "ledger.db"
    if not (args.reuse_demo and ledger.exists()):
        _run_demo(args.var_dir)
    engine = open_ledger(f"sqlite:///{ledger}")
    owner = _add_users(engine)
    context = ApiContext(engine=engine, clock=SystemClock(), verifier=TokenVerifier(),
                         idempotency=IdempotencyStore())  # fmt: skip
    app = create_app(context)
    server, port = _serve(app)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as api:
            seed(api, engine)
        with engine.connect() as conn:
            pages = [
                page
                for page in console_pages(app.state.console, conn)
                if "?" not in page.route and not page.fragment
            ]
        shots = _photograph(f"http://127.0.0.1:{port}", pages)
    finally:
        server.should_exit = True
        engine.dispose()
    _rewrite_doc(shots, owner)
    print(f"screenshots: {len(shots)} pages in {OUT.relative_to(ROOT)}/, {DOC.name} updated")
    return 0


def _run_demo(var_dir: Path) -> None:
    print(f"screenshots: running the demo into {var_dir} (about a minute)", file=sys.stderr)
    done = subprocess.run(  # noqa: S603 - our own venv's collector, fixed arguments
        [str(Path(sys.executable).with_name("collector")), "demo", "--fast", "--no-live",
         "--var-dir", str(var_dir)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(
            f"screenshots: the demo failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )


def _add_users(engine: sa.Engine) -> str:
    """The admin and a client of the owner with most stock (again on a reused ledger)."""
    with engine.begin() as conn:
        owner = str(conn.exec_driver_sql(
            "SELECT owner FROM balances GROUP BY owner ORDER BY SUM(qty) DESC LIMIT 1"
        ).scalar_one())  # fmt: skip
        conn.exec_driver_sql(
            "DELETE FROM console_users WHERE name IN ('ops-lead', 'client-viewer')"
        )
        for name, role in USERS:
            owners = [owner] if role is Role.CLIENT else []
            add_user(conn, name=name, role=role, owners=owners, password=PASSWORD,
                     now=datetime.now(UTC))  # fmt: skip
    return owner


def _serve(app: FastAPI) -> tuple[uvicorn.Server, int]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False,
                            timeout_graceful_shutdown=1)  # fmt: skip
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("screenshots: the console did not start in 15 s")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, int(port)


def _photograph(base: str, pages: list[Page]) -> list[tuple[str, str, str]]:
    """(user, page route, file name) of every page each user may open."""
    OUT.mkdir(parents=True, exist_ok=True)
    shots: list[tuple[str, str, str]] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for name, role in USERS:
            tab = browser.new_page(viewport={"width": 1280, "height": 720})
            tab.goto(f"{base}/login")
            tab.fill("#username", name)
            tab.fill("#password", PASSWORD)
            tab.click("button[type=submit]")
            tab.wait_for_load_state("load")
            for page in pages:
                if page.url is None:
                    continue
                answer = tab.goto(f"{base}{page.url}")
                if answer is None or answer.status != 200:
                    continue  # not this user's page
                tab.wait_for_timeout(300)  # htmx settles, the event stream opens
                file = f"{'client-' if role is Role.CLIENT else ''}{slug(page.route)}.png"
                tab.screenshot(path=str(OUT / file), full_page=True)
                shots.append((name, page.route, file))
                print(f"screenshots: {name:<14} {page.url}", file=sys.stderr)
            tab.close()
        browser.close()
    return shots


def _rewrite_doc(shots: list[tuple[str, str, str]], owner: str) -> None:
    lines = [
        START,
        "",
        "Made by `make screenshots` from the demo's data (admin `ops-lead`; "
        f"client `client-viewer` of owner `{owner}`, who sees only that owner's goods).",
        "",
    ]
    for user, route, file in shots:
        lines += [f"**`{route}`** as {user}:", "", f"![{route} as {user}](screenshots/{file})", ""]
    lines.append(END)
    DOC.write_text(replace_section(DOC.read_text(), "\n".join(lines), start=START, end=END))


if __name__ == "__main__":
    sys.exit(main())
