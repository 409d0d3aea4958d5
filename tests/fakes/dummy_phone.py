"""gammu's dummy (file-backed) phone, seen from the network's side: python-gammu, or a skip, and
incoming SMS put into the phone's folders as the network would deliver them."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from tests.integration import need


def gammu() -> Any:
    """python-gammu; without it the calling test skips (fails in CI)."""
    try:
        return importlib.import_module("gammu")
    except ImportError:
        need(False, "python-gammu not installed")
        raise


def network_delivers(phone_dir: Path, sender: str, text: str, folder: int = 1) -> None:
    """Put an incoming SMS (several parts when long) into the dummy phone at `phone_dir`."""
    g = gammu()
    machine = g.StateMachine()
    machine.SetConfig(0, {"Device": f"{phone_dir}/", "Connection": "none", "Model": "dummy"})
    machine.Init()
    try:
        parts = g.EncodeSMS({"Class": -1, "Unicode": not text.isascii(),
                             "Entries": [{"ID": "ConcatenatedTextLong", "Buffer": text}]})
        for part in parts:
            part.update({"Folder": folder, "Number": sender, "State": "UnRead", "SMSC": {"Location": 1},
                         "Type": "Deliver"})
            machine.AddSMS(part)
    finally:
        machine.Terminate()
