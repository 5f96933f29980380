"""Zips the Lambda `bootstrap` the way Lambda expects it (one executable at
the root) and checks it really is an arm64 Linux binary. Prints the sizes.
Usage: artifact.py BOOTSTRAP ZIP"""

import os
import re
import sys
import zipfile

ELF_MAGIC = b"\x7fELF"
EM_AARCH64 = 183
# provided.al2023 has glibc 2.34; a binary needing newer symbols would not start.
RUNTIME_GLIBC = (2, 34)


def main():
    bootstrap, target = sys.argv[1], sys.argv[2]
    with open(bootstrap, "rb") as f:
        header = f.read(20)
    if header[:4] != ELF_MAGIC or int.from_bytes(header[18:20], "little") != EM_AARCH64:
        sys.exit(f"{bootstrap} is not an arm64 (aarch64) ELF binary; the template says arm64")
    if not os.access(bootstrap, os.X_OK):
        sys.exit(f"{bootstrap} is not executable")
    with open(bootstrap, "rb") as f:
        needed = {tuple(map(int, v.split(b"."))) for v in re.findall(rb"GLIBC_(\d+\.\d+)", f.read())}
    if needed and max(needed) > RUNTIME_GLIBC:
        sys.exit(f"{bootstrap} needs glibc {max(needed)}, provided.al2023 has {RUNTIME_GLIBC}")
    info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))  # fixed: same input, same zip
    info.external_attr = 0o100755 << 16  # a regular file Lambda may execute
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(bootstrap, "rb") as f, zipfile.ZipFile(target, "w") as z:
        z.writestr(info, f.read(), compresslevel=9)
    mib = lambda n: f"{n / 1048576:.1f} MiB"
    print(f"Lambda artifact (arm64): {target}: zip {os.path.getsize(target)} bytes ({mib(os.path.getsize(target))}),"
          f" bootstrap {mib(os.path.getsize(bootstrap))}, needs glibc {'.'.join(map(str, max(needed, default=(0, 0))))}")


if __name__ == "__main__":
    main()
