"""schemas/policy-v1.schema.json against the policies we ship and against `mcp-firewall policy check`.

- every policy under policies/, examples/ (except scenario files) and .ci/interop/policies/ validates,
  and each file in policies/ starts with the yaml-language-server modeline that points editors at it;
- every document in schema-corpus/valid/ validates and passes `policy check`;
- every document in schema-corpus/invalid/ fails the schema and is rejected by `policy check` (exit 1).

Swift's PolicySchemaTests keeps the schema's keys and words equal to the loader's.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCHEMA_PATH = REPO / "schemas" / "policy-v1.schema.json"
CORPUS = HERE / "schema-corpus"
MODELINE = "# yaml-language-server: $schema=../schemas/policy-v1.schema.json"


def shipped_policies() -> list[Path]:
    examples = [p for p in (REPO / "examples").rglob("*.yaml") if not p.name.endswith(".scenarios.yaml")]
    return sorted(
        [*(REPO / "policies").glob("*.yaml"), *examples, *(HERE / "policies").glob("*.yaml")],
    )


def corpus(kind: str) -> list[Path]:
    return sorted((CORPUS / kind).glob("*.yaml"))


def label(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(validator: Draft202012Validator, path: Path) -> list[str]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(document)]


def policy_check(firewall_bin: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [firewall_bin, "policy", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_schema_corpus_is_not_empty():
    assert len(shipped_policies()) >= 4
    assert len(corpus("valid")) >= 1
    assert len(corpus("invalid")) >= 20


@pytest.mark.parametrize("path", shipped_policies(), ids=label)
def test_shipped_policy_validates(validator, path: Path):
    assert schema_errors(validator, path) == []


@pytest.mark.parametrize("path", sorted((REPO / "policies").glob("*.yaml")), ids=label)
def test_shipped_policy_starts_with_the_schema_modeline(path: Path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == MODELINE
    assert (path.parent / first.split("$schema=", 1)[1]).resolve() == SCHEMA_PATH


@pytest.mark.parametrize("path", corpus("valid"), ids=label)
def test_valid_document_passes_schema_and_policy_check(validator, firewall_bin: str, path: Path):
    assert schema_errors(validator, path) == []
    result = policy_check(firewall_bin, path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", corpus("invalid"), ids=label)
def test_invalid_document_fails_schema_and_policy_check(validator, firewall_bin: str, path: Path):
    assert schema_errors(validator, path), f"{label(path)} validates against the schema"
    result = policy_check(firewall_bin, path)
    assert result.returncode == 1, f"policy check exited {result.returncode}: {result.stdout}{result.stderr}"
    assert ": error: " in result.stderr
