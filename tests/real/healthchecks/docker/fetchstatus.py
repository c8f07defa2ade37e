#!/usr/bin/env python
"""The image's HEALTHCHECK: 0 when /api/v3/status/ (which queries the
database) answers 200. The Host header and path prefix come from
SITE_ROOT, read here as settings.py reads it, without loading Django."""

from __future__ import annotations

import os
from urllib.parse import urlparse
from urllib.request import Request, urlopen

site_root = urlparse(os.getenv("SITE_ROOT", "http://localhost:8000").removesuffix("/"))
request = Request(
    f"http://localhost:8000{site_root.path}/api/v3/status/",
    headers={"Host": site_root.netloc},
)
with urlopen(request) as response:
    assert response.status == 200
print("Status OK")
