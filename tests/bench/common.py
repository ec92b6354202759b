"""What the benchmarks share: their throwaway database, read over psycopg2, and
posts to the live server's API."""

import json
import os
import urllib.request

import psycopg2


def http_post(url, data, headers):
    """POST ``data`` (bytes); returns (status, the JSON answer)."""
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=600) as response:
        return response.status, json.loads(response.read())


def post_json(url, body, headers):
    return http_post(
        url,
        json.dumps(body).encode(),
        {"Content-Type": "application/json", **headers},
    )


class BenchDatabase:
    """The benchmark's database: its config, name and an autocommit connection
    for the set-up and checks that are not measured."""

    def __init__(self, conf, db):
        self.conf, self.db = conf, db
        self.pg = psycopg2.connect(
            dbname=db, host=os.environ.get("PGHOST", "127.0.0.1")
        )
        self.pg.autocommit = True

    def sql(self, query, params=None):
        with self.pg.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None
