"""The Lambda artifact: the release `forms` binary as `bootstrap` (custom
runtime), zipped. Prints its size as JSON for the bench report.

Usage: python3 bench/lambda_zip.py BINARY OUT.zip OUT.json NOTE
"""

import json
import os
import sys
import zipfile


def main(binary: str, out_zip: str, out_json: str, note: str) -> None:
    info = zipfile.ZipInfo("bootstrap", date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = 0o100755 << 16  # a regular, executable file
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(binary, "rb") as f, zipfile.ZipFile(out_zip, "w") as z:
        z.writestr(info, f.read(), compresslevel=9)
    sizes = {
        "lambda_zip_bytes": os.path.getsize(out_zip),
        "binary_bytes": os.path.getsize(binary),
        "note": note,
    }
    with open(out_json, "w") as f:
        json.dump(sizes, f, indent=2)


if __name__ == "__main__":
    main(*sys.argv[1:5])
