from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Our Ansible plugins import as the collection stackwright.cloud, as Ansible loads them.
sys.path.insert(0, str(REPO / "collections"))
