"""The systemd units the deployment guide shows are the files the project ships (deploy/systemd/), word for
word: a guide that drifts from the units makes an administrator install what nobody tests."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"```ini\n# /etc/systemd/system/(\S+)\n(.*?)```", re.S)


def test_every_unit_shown_in_the_guide_is_the_shipped_file():
    guide = (ROOT / "docs" / "deployment.md").read_text()
    shown = BLOCK.findall(guide)
    assert {name for name, _ in shown} >= {"intranet-asgi@.service", "intranet-worker.service"}
    for name, body in shown:
        shipped = ROOT / "deploy" / "systemd" / name
        assert shipped.exists(), f"the guide shows {name}, which deploy/systemd/ does not ship"
        assert body == shipped.read_text(), f"the guide's {name} differs from deploy/systemd/{name}"
