"""The source tree's import rules: newsclaims never imports Django or the service, and the
service never loads evaluation or training at run time."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PURE = REPO / "newsclaims"
FORBIDDEN_IN_PURE = {"django", "rest_framework", "celery", "claims", "sources", "factcheck", "evaluation", "training"}


def imported_roots(path: Path) -> set[str]:
    """Top-level package names every import statement of a module names (at any depth)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_module_of_the_pure_package_imports_django_or_the_service():
    modules = sorted(PURE.rglob("*.py"))
    assert len(modules) >= 15
    offenders = {
        str(path.relative_to(REPO)): sorted(imported_roots(path) & FORBIDDEN_IN_PURE)
        for path in modules
        if imported_roots(path) & FORBIDDEN_IN_PURE
    }
    assert offenders == {}


def run_python(code: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        # Nothing here connects: importing the modules needs no database.
        "DATABASE_URL": "postgresql://layout@localhost/layout",
        "DJANGO_SECRET_KEY": "layout-test-key",  # required beside a DATABASE_URL
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )


SERVICE_MODULES = [
    "factcheck.settings", "factcheck.urls", "factcheck.celery", "factcheck.wsgi",
    "claims.admin", "claims.api.urls", "claims.api.views", "claims.tasks", "claims.services",
    "claims.services.ingest", "claims.services.assign", "claims.services.rebuild", "claims.services.statuses",
    "claims.services.editorial", "sources.admin", "sources.readers",
    "claims.management.commands.evaluate", "claims.management.commands.ingest",
    "claims.management.commands.import_claims", "claims.management.commands.quickstart",
    "claims.management.commands.recluster",
    "integrations.services", "integrations.tasks", "integrations.api", "integrations.admin",
    "integrations.management.commands.follow",
]  # fmt: skip


def test_the_service_never_loads_evaluation_or_training_at_run_time():
    code = (
        "import django, importlib, json, sys; django.setup(); "
        f"[importlib.import_module(m) for m in {SERVICE_MODULES!r}]; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('evaluation', 'training'))))"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_the_pure_package_imports_without_django():
    modules = sorted(
        ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__") for path in PURE.rglob("*.py")
    )
    code = (
        "import importlib, json, sys; "
        f"[importlib.import_module(m) for m in {modules!r}]; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{sorted(FORBIDDEN_IN_PURE)!r})))"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
