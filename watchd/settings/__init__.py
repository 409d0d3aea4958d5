"""Strict configuration models and the loader."""

from watchd.settings.load import ConfigError, LoadedConfig, load_settings, resolve_config_path
from watchd.settings.root import Settings

__all__ = ["ConfigError", "LoadedConfig", "Settings", "load_settings", "resolve_config_path"]
