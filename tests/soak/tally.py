"""Counts what the soak left behind: records in the store and mail in the
SMTP sink's folder, read with the standard library (and boto3 for
DynamoDB), not with the code under test."""
import glob
import json
import os
import sqlite3
from collections import Counter
from email.parser import BytesHeaderParser


def sqlite_records(path):
    """id -> (pending, coordinator sent, confirmation sent)"""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
        rows = db.execute("SELECT id, pending, coordinator_sent_at IS NOT NULL, confirmation_sent_at IS NOT NULL FROM submissions")
        return {r[0]: (bool(r[1]), bool(r[2]), bool(r[3])) for r in rows}


def dynamo_records(client, table):
    records, start = {}, None
    while True:
        page = client.scan(TableName=table, **({"ExclusiveStartKey": start} if start else {}))
        for item in page["Items"]:
            records[item["id"]["S"]] = ("pending" in item, "coordinator_sent_at" in item, "confirmation_sent_at" in item)
        start = page.get("LastEvaluatedKey")
        if not start:
            return records


def mails(directory):
    """Every mail the sink kept: (message-id, rcpt_tos)."""
    parser = BytesHeaderParser()
    found = []
    for path in sorted(glob.glob(os.path.join(directory, "*.eml"))):
        with open(path, "rb") as f:
            headers = parser.parse(f)
        with open(path[: -len(".eml")] + ".json") as f:
            rcpt = json.load(f)["rcpt_tos"]
        found.append((headers["Message-ID"].strip("<> "), tuple(rcpt)))
    return found


def count(distinct, accepted_ids, records, kept_mail):
    """The numbers the README reports; `problems` lists every broken promise."""
    by_id = {s.id: s for s in distinct}
    raw = Counter(mid for mid, _ in kept_mail)
    rcpts = {}
    for mid, rcpt in kept_mail:
        rcpts.setdefault(mid, set()).add(rcpt)
    c = Counter()
    problems = []
    for sid in accepted_ids:
        s = by_id[sid]
        c["accepted"] += 1
        if sid not in records:
            problems.append(f"lost: {sid} accepted but not stored")
            continue
        c["stored"] += 1
        pending, _, _ = records[sid]
        c["still_pending"] += pending
        expected = [("coordinator", s.coordinator)] + ([("confirmation", s.confirm_to)] if s.confirm_to else [])
        for kind, to in expected:
            mid = f"{sid}.{kind}@example.org"
            c[f"{kind}_expected"] += 1
            if raw[mid] == 0:
                problems.append(f"not mailed: {mid}")
                continue
            c[f"{kind}_mailed_distinct"] += 1
            c[f"{kind}_raw_duplicates"] += raw[mid] - 1
            if rcpts[mid] != {(to,)}:
                problems.append(f"wrong recipient: {mid} went to {sorted(rcpts[mid])}, expected {to}")
    known = {f"{sid}.{k}@example.org" for sid in by_id for k in ("coordinator", "confirmation")}
    c["records_total"] = len(records)
    c["records_not_posted_by_us"] = sum(1 for r in records if r not in by_id)
    c["stored_but_not_acknowledged"] = sum(1 for r in records if r in by_id and r not in accepted_ids)
    c["mails_total"] = len(kept_mail)
    c["mails_unknown"] = sum(n for mid, n in raw.items() if mid not in known)
    unconfirmed_extra = [mid for mid in raw if mid.endswith(".confirmation@example.org") and mid in known and not by_id[mid.split(".")[0]].confirm_to]
    if c["records_not_posted_by_us"] or c["mails_unknown"] or unconfirmed_extra:
        problems.append(f"unexpected: {c['records_not_posted_by_us']} records, {c['mails_unknown']} mails, {len(unconfirmed_extra)} confirmations without an address")
    if c["still_pending"]:
        problems.append(f"{c['still_pending']} records still pending at the end")
    return c, problems
