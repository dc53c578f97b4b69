#!/usr/bin/env python3
"""Writes a synthetic healthctl archive of ROWS rows for benchmarking `archive verify` at a scale
no test database reaches: one file per UTC day from 2026-01-01 on, DAY_ROWS rows a day in gzip
members of MEMBER_ROWS rows, with manifests exactly as prune writes them (so the archive verifies).

    make-archive.py DIR ROWS [DAY_ROWS] [MEMBER_ROWS]

Ids are distinct cuid-like strings; files are mode 0600 like every file of log rows. Days are
written by two processes at once.
"""
import datetime
import hashlib
import json
import multiprocessing
import os
import sys
import zlib

COLUMNS = ["id", "integrationId", "status", "errorMessage", "responseTime", "checkedAt"]
STATUSES = ["HEALTHY"] * 97 + ["WARNING", "ERROR", "ERROR"]


def write_day(job):
    root, day_index, rows, member_rows = job
    day = (datetime.date(2026, 1, 1) + datetime.timedelta(days=day_index)).isoformat()
    directory = os.path.join(root, "IntegrationHealthLog", day[:4], day[5:7])
    os.makedirs(directory, mode=0o700, exist_ok=True)
    data_path = os.path.join(directory, day + ".csv.gz")
    members, offset, digest = [], 0, hashlib.sha256()
    seconds_per_row = 86400 / rows
    fd = os.open(data_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        for start in range(0, rows, member_rows):
            count = min(member_rows, rows - start)
            lines = []
            if start == 0:
                lines.append(",".join(COLUMNS) + "\n")
            first_ts = last_ts = None
            # The random tail of a cuid and a spread of response times, so the data compresses
            # about as well as real rows do.
            noise = os.urandom(count * 6).hex()
            for n in range(start, start + count):
                t = int(n * seconds_per_row)
                ts = f"{day}T{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}Z"
                first_ts = first_ts or ts
                last_ts = ts
                status = STATUSES[n % 100]
                error = "connection refused" if status == "ERROR" else ""
                tail = noise[(n - start) * 12:(n - start + 1) * 12]
                lines.append(f"cm{day_index:05d}{n:09d}{tail[:8]},cint{n % 1000:05d},{status},{error},{40 + int(tail[8:], 16) % 900},{ts}\n")
            text = "".join(lines).encode()
            compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
            member = compressor.compress(text) + compressor.flush()
            out.write(member)
            digest.update(member)
            first_id = lines[1 if start == 0 else 0].split(",", 1)[0]
            last_id = lines[-1].split(",", 1)[0]
            members.append({
                "offset": offset, "compressedBytes": len(member), "uncompressedBytes": len(text),
                "crc32": zlib.crc32(text), "rows": count, "firstCheckedAt": first_ts, "lastCheckedAt": last_ts,
                "minId": first_id, "maxId": last_id, "state": "committed",
            })
            offset += len(member)
    manifest = {
        "format": 1, "tool": "healthctl benchmark", "table": "IntegrationHealthLog", "day": day,
        "columns": COLUMNS, "numericIds": False, "rows": rows,
        "firstCheckedAt": members[0]["firstCheckedAt"], "lastCheckedAt": members[-1]["lastCheckedAt"],
        "minId": members[0]["minId"], "maxId": members[-1]["maxId"],
        "fileBytes": offset, "sha256": digest.hexdigest(), "members": members,
    }
    fd = os.open(os.path.join(directory, day + ".manifest.json"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(manifest, out, indent=1)
    return offset


def main():
    root, total = sys.argv[1], int(sys.argv[2])
    day_rows = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    member_rows = int(sys.argv[4]) if len(sys.argv) > 4 else 100_000
    jobs = []
    for day_index, start in enumerate(range(0, total, day_rows)):
        jobs.append((root, day_index, min(day_rows, total - start), member_rows))
    with multiprocessing.Pool(2) as pool:
        written = sum(pool.map(write_day, jobs))
    print(f"{total} rows in {len(jobs)} files, {written / 1e9:.2f} GB compressed", file=sys.stderr)


if __name__ == "__main__":
    main()
