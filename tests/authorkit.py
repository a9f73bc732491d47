"""Test helpers for the author tools: book.yaml as editors read it, the scaffold's commented
settings, and `bookbuild watch` run as a real process.

Plain functions and classes, shared by the test modules and their fixtures.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from bookbuild.commands.new import SCHEMA_FILE

REPO = Path(__file__).resolve().parents[1]


class Yaml12Loader(yaml.SafeLoader):
    """YAML as editors' language servers read it (YAML 1.2): no dates, and only
    true/false are booleans, so `date: 2026` and `paper: yes` stay what the author wrote."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                                   re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))


def load_yaml(text: str):
    return yaml.load(text, Loader=Yaml12Loader)


def book_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def schema_errors(data) -> list[str]:
    """Every way `data` breaks the shipped JSON Schema, as readable lines (empty: valid)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(book_schema())
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in validator.iter_errors(data)]


COMMENTED_KEY = re.compile(r"^(?P<indent>\s*)# (?P<key>[a-z][a-z-]*):(?P<rest>.*)$")


def switch_on_commented_settings(text: str, known: set[str]) -> tuple[str, list[str]]:
    """book.yaml with every commented-out setting (`# key: value`, with its more deeply
    indented comment lines) made live; also the keys switched on."""
    lines = text.split("\n")
    out, keys, n = [], [], 0
    while n < len(lines):
        match = COMMENTED_KEY.match(lines[n])
        if not match or match["key"] not in known:
            out.append(lines[n])
            n += 1
            continue
        indent = match["indent"]
        keys.append(match["key"])
        out.append(f"{indent}{match['key']}:{match['rest']}")
        n += 1
        while n < len(lines) and lines[n].startswith(f"{indent}#   "):
            out.append(indent + lines[n][len(indent) + 2:])
            n += 1
    return "\n".join(out), keys


def readme_section(title: str) -> str:
    """The text of a README section, from its `## title` heading to the next `## `."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"the README has no '## {title}' section"
    return match[1]


def code_blocks(markdown_text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", markdown_text, re.M | re.S)


def commands_of(block: str) -> list[str]:
    """The commands of a shell block: comments and blank lines dropped."""
    commands = []
    for line in block.splitlines():
        command = re.sub(r"\s+#.*$", "", line).strip()
        if command and not command.startswith("#"):
            commands.append(command)
    return commands


# ---- a real browser ----

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def unavailable(reason: str) -> None:
    """In CI a missing tool fails the test (./dev test installs it); elsewhere it skips."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run this test (./dev test installs what it needs)")
    pytest.skip(reason)


# ---- `bookbuild watch` as the author runs it ----


def _ctrl_c_as_in_a_terminal() -> None:
    """In the child before it runs: SIGINT back to its default action. A runner started in
    the background of a script (`.ci/run &`) ignores SIGINT, the child would inherit that,
    and Python then installs no Ctrl-C handler at all."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Watch:
    """`python -m bookbuild watch BOOK --port 0` in its own process (or any command that ends
    in `bookbuild watch`), its output read as it comes. Stopped with SIGINT, as Ctrl-C stops
    it."""

    def __init__(self, book: Path | None, *extra: str, command: list[str] | None = None,
                 cwd: Path | None = None, env: dict[str, str] | None = None):
        self.book = book
        command = command or [sys.executable, "-m", "bookbuild", "watch", str(book),
                              "--port", "0", *extra]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
            preexec_fn=_ctrl_c_as_in_a_terminal)
        self.out: queue.Queue[str] = queue.Queue()
        self.err_lines: list[str] = []
        self.out_lines: list[str] = []
        threading.Thread(target=self._pump, args=(self.process.stdout, self.out, self.out_lines),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.process.stderr, None, self.err_lines),
                         daemon=True).start()
        self.url = self._url()

    @staticmethod
    def _pump(stream, target: queue.Queue | None, keep: list[str]) -> None:
        for line in stream:
            keep.append(line)
            if target is not None:
                target.put(line)

    def _url(self, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.out.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            match = re.search(r"at (http://\S+/) ", line)
            if match:
                return match[1]
        self.stop()
        raise AssertionError(f"bookbuild watch printed no address:\n{''.join(self.out_lines)}"
                             f"{''.join(self.err_lines)}")

    def state(self) -> dict:
        with urllib.request.urlopen(self.url + "_preview/state", timeout=10) as answer:
            return json.load(answer)

    def wait_for(self, condition, timeout: float = 60, what: str = "the preview") -> dict:
        """Poll the preview's state until `condition(state)` holds; returns that state."""
        deadline = time.monotonic() + timeout
        state: dict = {}
        while time.monotonic() < deadline:
            state = self.state()
            if condition(state):
                return state
            time.sleep(0.1)
        raise AssertionError(f"{what} did not happen in {timeout} s; last state: {state}\n"
                             f"{''.join(self.err_lines)}")

    def printed(self, text: str, timeout: float = 30) -> bool:
        """Whether `text` appears on stderr (problems, as in the terminal) within `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.err_lines):
                return True
            time.sleep(0.05)
        return False

    def built(self, after: int = 0) -> dict:
        """The state once a build that started after version `after` has finished."""
        return self.wait_for(lambda s: s["version"] > after and not s["building"]
                             and s["lastBuild"] is not None, what="a rebuild")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
