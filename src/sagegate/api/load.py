"""One entry for the three front doors: read a file, tell what it is, build the API model.

The kind comes from the content, not the file name: a CloudFormation template has
`Resources` (or `AWSTemplateFormatVersion`), an OpenAPI document has `openapi` or `swagger`,
and our spec has the construct's props (`endpoint_name`, `resource_path`, ...). JSON and YAML
are both read; YAML with CloudFormation's short-form tags (`!Ref`, `!GetAtt`, `!Sub`, ...)
through cfn-flip's loader, which turns them into the long form CloudFormation itself reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from cfn_flip import load as load_template  # type: ignore[import-untyped]

from sagegate.api.errors import ApiError
from sagegate.api.from_spec import api_from_spec
from sagegate.api.model import RestApi
from sagegate.api.options import LoadOptions
from sagegate.spec import Spec, SpecError

Kind = Literal["spec", "cloudformation", "openapi"]
_SPEC_KEYS = frozenset({"endpoint_name", "resource_path", "request_mapping_template"})


@dataclass(frozen=True, slots=True)
class LoadedApi:
    """An API model, where it came from, and the spec when the file was one."""

    api: RestApi
    kind: Kind
    path: Path | None
    spec: Spec | None = None


def read_document(path: Path) -> Any:
    """The file's JSON or YAML content (CloudFormation tags in long form)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ApiError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ApiError(f"{path}: not a text file (UTF-8)") from None
    try:
        document, _ = load_template(text)
    except Exception as exc:  # cfn-flip raises JSON, YAML and its own errors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ApiError(f"{path}: not valid JSON or YAML: {first}") from None
    return _plain(document)


def _plain(value: Any) -> Any:
    """cfn-flip's ordered mappings as plain dicts (in their order), recursively."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def template_in(path: Path) -> Path:
    """A file as given; a directory (`cdk.out`) as its one `*.template.json`."""
    if not path.is_dir():
        return path
    templates = sorted(path.glob("*.template.json"))
    if len(templates) == 1:
        return templates[0]
    if not templates:
        raise ApiError(f"{path}: a directory with no *.template.json (run `cdk synth` first)")
    names = ", ".join(t.name for t in templates)
    raise ApiError(f"{path}: several stacks ({names}); serve one of these files")


def kind_of(document: Any) -> Kind | None:
    """What a parsed document is, by its keys; None when it holds no API."""
    if not isinstance(document, Mapping):
        return None
    if "openapi" in document or "swagger" in document:
        return "openapi"
    if "Resources" in document or "AWSTemplateFormatVersion" in document:
        return "cloudformation"
    if _SPEC_KEYS & set(document):
        return "spec"
    return None


def _with_overrides(api: RestApi, options: LoadOptions) -> RestApi:
    """`--stage` and `--stage-variable` applied over the file's own stage."""
    stage = api.stage
    if options.stage is not None:
        _check_stage(options.stage)
        stage = replace(stage, name=options.stage)
    if options.stage_variables:
        stage = replace(stage, variables={**stage.variables, **options.stage_variables})
    return replace(api, stage=stage) if stage is not api.stage else api


def load_api(path: str | Path | None, options: LoadOptions | None = None) -> LoadedApi:
    """The API model of a spec, CloudFormation template or OpenAPI document (None: default)."""
    options = options or LoadOptions()
    if path is None:
        spec = Spec.default()
        api = api_from_spec(spec, region=options.region)
        return LoadedApi(_with_overrides(api, options), "spec", None, spec)
    path = template_in(Path(path))
    document = read_document(path)
    kind = kind_of(document)
    if kind is None:
        raise ApiError(
            f"{path}: no API in it: expected a sagegate spec (endpoint_name, resource_path, "
            "...), a CloudFormation template (Resources) or an OpenAPI document "
            "(openapi: 3.0.x or swagger: '2.0')"
        )
    if kind == "spec":
        spec = Spec.from_file(path)
        api = api_from_spec(spec, region=options.region)
        return LoadedApi(_with_overrides(api, options), kind, path, spec)
    try:
        if kind == "cloudformation":
            from sagegate.api.cloudformation import api_from_template

            api = api_from_template(document, options, source=str(path))
        else:
            from sagegate.api.openapi import api_from_openapi

            api = api_from_openapi(document, options, source=str(path))
    except SpecError:
        raise
    except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
        # The readers check the shapes they read and name the place; a shape they missed
        # still stops the start with one line, not a traceback.
        what = "CloudFormation template" if kind == "cloudformation" else "OpenAPI document"
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ApiError(
            f"{path}: a malformed {what}: {type(exc).__name__}" + (f": {detail}" if detail else "")
        ) from None
    return LoadedApi(_with_overrides(api, options), kind, path)


def _check_stage(name: str) -> None:
    """For parity with API Gateway's CreateStage: alphanumerics, hyphens, underscores."""
    if not re.fullmatch(r"[a-zA-Z0-9_-]{1,128}", name):
        raise SpecError(
            f"--stage {name!r}: stage names can only contain alphanumeric characters, "
            "hyphens and underscores (at most 128)"
        )
