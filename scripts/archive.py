#!/usr/bin/env python3
"""Packs a release binary for download: stackc-TARGET.tar.gz (a .zip for
Windows) holding the binary and the README, and beside it the archive's
SHA-256 in `sha256sum` format (stackc-TARGET.tar.gz.sha256), so
`sha256sum -c` checks a download.

The archive is the same for the same inputs (no timestamps, no owners), so
two builds of one commit can be compared by checksum.

Used by .github/workflows/release.yml on every platform, and by
scripts/check-release.sh on the static Linux binary.

    scripts/archive.py TARGET BINARY OUT_DIR
"""

import gzip
import hashlib
import io
import sys
import tarfile
import zipfile
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
# 1980-01-01, the earliest date a zip entry can hold.
FIXED_TIME = 315532800


def pack_tar(archive: Path, members: dict[str, tuple[bytes, int]]) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, (data, mode) in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, FIXED_TIME
            tar.addfile(info, io.BytesIO(data))
    # gzip's header holds a time and a file name: both left out.
    with open(archive, "wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        gz.write(raw.getvalue())


def pack_zip(archive: Path, members: dict[str, tuple[bytes, int]]) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (data, mode) in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)


def main(target: str, binary: Path, out_dir: Path) -> Path:
    windows = "windows" in target
    base = f"stackc-{target}"
    members = {
        f"{base}/{binary.name}": (binary.read_bytes(), 0o755),
        f"{base}/README.md": (README.read_bytes(), 0o644),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / (base + (".zip" if windows else ".tar.gz"))
    (pack_zip if windows else pack_tar)(archive, members)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    # Binary mode (`*`) is what sha256sum -c expects on every platform.
    archive.with_name(archive.name + ".sha256").write_text(f"{digest} *{archive.name}\n", encoding="ascii")
    return archive


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[-1])
    print(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
