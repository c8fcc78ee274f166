"""Reading the environment over the config file, and turning validation errors into "file: key: message" lines."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import EnvSettingsSource, SettingsError

# Any key may come from the environment as SUPPORTBOT_<SECTION>__<KEY>; the three older names stay.
ENV_PREFIX, ENV_DELIMITER = "SUPPORTBOT_", "__"
OLDER_VARIABLES = {("telegram", "token"): "TELEGRAM_BOT_TOKEN", ("discord", "token"): "DISCORD_BOT_TOKEN",
                   ("database", "url"): "DATABASE_URL", ("web", "secret"): "SUPPORTBOT_WEB_SECRET",
                   ("github", "token"): "GITHUB_TOKEN", ("github", "webhook_secret"): "GITHUB_WEBHOOK_SECRET"}
# Variables that fill a key of a section the file has, never turn it on: GITHUB_TOKEN is often set for other tools.
ONLY_WITH_SECTION = frozenset({"github"})
ENV_SINGLE_UNDERSCORE = "not a setting; a key of [{section}] is set with two underscores: {suggestion}"
ENV_DISAGREE = "{first} and {second} are both set, to different values; keep one"
ENV_BAD_JSON = "not valid JSON"


class Problems(ValueError):
    """Mistakes found across sections, each with the key it belongs to, so every one is listed."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))
        self.problems = problems


class _GivenEnvironment(EnvSettingsSource):
    """pydantic-settings' reading of SUPPORTBOT_<SECTION>__<KEY> (JSON for lists), from a given mapping.

    The library reads os.environ only; a mapping keeps load_settings testable and explicit."""

    def __init__(self, model: type[BaseModel], variables: dict[str, str]) -> None:
        self._given = variables
        super().__init__(model, case_sensitive=False, env_prefix=ENV_PREFIX,  # type: ignore[arg-type]
                         env_nested_delimiter=ENV_DELIMITER)

    def _load_env_vars(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self._given.items()}


def _merge(into: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


Origins = dict[tuple[str, ...], str]  # a key's path -> the variable its value came from


def with_environment(model: type[BaseModel], raw: dict[str, Any], env: dict[str, str]) -> tuple[dict[str, Any], Origins, list[str]]:
    """The file's values with the environment's on top, where each came from, and mistakes in the variables."""
    origins: Origins = {}
    problems: list[str] = []
    older: dict[str, Any] = {}
    for (section, key), variable in OLDER_VARIABLES.items():
        if section in ONLY_WITH_SECTION and section not in raw:
            continue
        if env.get(variable):  # empty means unset, as it always has
            older.setdefault(section, {})[key] = env[variable]
            origins[(section, key)] = variable
    nested = {name: value for name, value in env.items()
              if name.upper().startswith(ENV_PREFIX) and value and name.upper() not in OLDER_VARIABLES.values()}
    for name in sorted(nested):
        rest = name[len(ENV_PREFIX):].lower()
        path = tuple(rest.split(ENV_DELIMITER))
        if path[0] not in model.model_fields:
            meant = next((f for f in model.model_fields if rest.startswith(f"{f}_")), None)
            if meant:  # SUPPORTBOT_TELEGRAM_WEBHOOK_SECRET: silently ignoring it would drop a secret
                suggestion = f"{ENV_PREFIX}{meant.upper()}{ENV_DELIMITER}{rest[len(meant) + 1:].upper()}"
                problems.append(f"{name}: " + ENV_SINGLE_UNDERSCORE.format(section=meant, suggestion=suggestion))
            nested.pop(name)
            continue
        if path in origins and env[origins[path]] != nested[name]:
            message = ENV_DISAGREE.format(first=origins[path], second=name)
            problems.append(f"{'.'.join(path)}: {message}")
        origins[path] = name
    try:
        overrides = _GivenEnvironment(model, nested)()
    except SettingsError:
        overrides = {}
        for name, value in sorted(nested.items()):
            try:
                _GivenEnvironment(model, {name: value})()
            except SettingsError:
                section = name[len(ENV_PREFIX):].lower().split(ENV_DELIMITER)[0]
                problems.append(f"{section} (from {name}): {ENV_BAD_JSON}")
    return _merge(_merge(raw, older), overrides), origins, problems


def _origin(parts: list[str], origins: Origins) -> str:
    """' (from VARIABLE)' when the value at this key came from the environment."""
    path = tuple(p.lower() for p in parts)
    for size in range(len(path), 0, -1):
        if path[:size] in origins:
            return f" (from {origins[path[:size]]})"
    return ""


def _location(error: ErrorDetails, raw: dict[str, Any]) -> tuple[str, list[str]]:
    """The key an error belongs to, as shown (people[0] (Alice).email), and its plain path."""
    parts: list[str] = []
    plain: list[str] = []
    node: Any = raw
    for item in error["loc"]:
        if isinstance(item, int) and isinstance(node, list) and item < len(node):
            node = node[item]
            label = node.get("key") or node.get("name") if isinstance(node, dict) else None
            parts[-1] = f"{parts[-1]}[{item}]" + (f" ({label})" if label else "")
            plain.append(str(item))
            continue
        if isinstance(node, dict):
            node = node.get(item, {})
        if not str(item).startswith("function-"):
            parts.append(str(item))
            plain.append(str(item))
    return ".".join(parts) or "(top level)", plain


def error_lines(err: ValidationError, data: dict[str, Any], origins: Origins, where: str) -> list[str]:
    lines = []
    for item in err.errors():
        cause = item.get("ctx", {}).get("error")
        if isinstance(cause, Problems):
            lines += [f"{where}: {key}{_origin(key.split('.')[:2], origins)}: {message}"
                      for key, message in cause.problems]
            continue
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"].removeprefix("Value error, ")
        location, plain = _location(item, data)
        lines.append(f"{where}: {message}" if location == "(top level)"
                     else f"{where}: {location}{_origin(plain, origins)}: {message}")
    return lines
