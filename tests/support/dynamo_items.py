#!/usr/bin/env python3
"""Prints every item of a DynamoDB table as JSON (boto3, independent of
our Rust code), for tests that check what was stored.

    dynamo_items.py TABLE      (endpoint and credentials from the env)
"""
import json
import sys

import boto3


def plain(value):
    (kind, v), = value.items()
    if kind == "N":
        return float(v) if "." in v else int(v)
    if kind in ("SS", "NS"):
        return sorted(v)
    return v


def main():
    table = sys.argv[1]
    client = boto3.client("dynamodb")
    items, start = [], None
    while True:
        page = client.scan(TableName=table, **({"ExclusiveStartKey": start} if start else {}))
        items += [{k: plain(v) for k, v in item.items()} for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    json.dump(items, sys.stdout)


if __name__ == "__main__":
    main()
