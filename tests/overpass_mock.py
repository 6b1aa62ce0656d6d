"""A small Overpass API on loopback that answers OSMnx's feature queries with real OSM data from an extract.

It understands what OSMnx sends: a union of `node|way|relation["key"]` or `["key"="value"]` statements with a
`(poly:'lat lon ...')` filter, `>;` recursion, and `out;`. Ways cut at the extract's edge (some nodes missing) and relations using them are
not served: only whole features are. Elements are kept when one of their nodes lies in the
polygon's bounding box (an approximation of Overpass's polygon test, fine for a whole-extract query). It also
answers `/status` so OSMnx's rate limiting is exercised too.
"""
from __future__ import annotations

import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import osmium

STATEMENT = re.compile(r"""(node|way|relation)\[["']([^"']+)["'](?:=["']([^"']*)["'])?\]\(poly:["']([^"']+)["']\)""")


class OsmIndex:
    """Nodes, ways and relations of an extract, as Overpass JSON elements."""

    def __init__(self, path: Path):
        self.nodes: dict[int, dict] = {}
        self.ways: dict[int, dict] = {}
        self.relations: dict[int, dict] = {}
        for obj in osmium.FileProcessor(str(path)):
            tags = {tag.k: tag.v for tag in obj.tags}
            if obj.is_node() and obj.location.valid():
                self.nodes[obj.id] = {"type": "node", "id": obj.id, "lat": round(obj.location.lat, 7),
                                      "lon": round(obj.location.lon, 7), **({"tags": tags} if tags else {})}
            elif obj.is_way() and all(n.ref in self.nodes for n in obj.nodes):  # ways cut at the edge: left out
                self.ways[obj.id] = {"type": "way", "id": obj.id, "nodes": [n.ref for n in obj.nodes], "tags": tags}
            elif obj.is_relation():
                self.relations[obj.id] = {"type": "relation", "id": obj.id, "tags": tags, "members": [
                    {"type": {"n": "node", "w": "way", "r": "relation"}[m.type], "ref": m.ref, "role": m.role}
                    for m in obj.members]}

    def whole_ids(self) -> set[str]:
        """Ids ("node/1", "way/2", "relation/3") of the features the mock serves whole."""
        relations = {r["id"] for r in self.relations.values()
                     if all(m["ref"] in self.ways for m in r["members"] if m["type"] == "way")}
        return ({f"node/{i}" for i in self.nodes} | {f"way/{i}" for i in self.ways}
                | {f"relation/{i}" for i in relations})

    def answer(self, query: str) -> dict:
        found: dict[tuple[str, int], dict] = {}
        for kind, key, value, poly in STATEMENT.findall(query):
            numbers = [float(x) for x in poly.split()]
            lats, lons = numbers[0::2], numbers[1::2]
            box = (min(lats), min(lons), max(lats), max(lons))

            def inside(node_id: int) -> bool:
                node = self.nodes.get(node_id)
                return node is not None and box[0] <= node["lat"] <= box[2] and box[1] <= node["lon"] <= box[3]

            def match(element: dict) -> bool:
                tags = element.get("tags", {})
                return key in tags and (not value or tags[key] == value)

            if kind == "node":
                for node in self.nodes.values():
                    if match(node) and inside(node["id"]):
                        found[("node", node["id"])] = node
            elif kind == "way":
                for way in self.ways.values():
                    if match(way) and any(inside(n) for n in way["nodes"]):
                        self._add_way(way, found)
            else:
                for relation in self.relations.values():
                    members = [self.ways.get(m["ref"]) for m in relation["members"] if m["type"] == "way"]
                    if match(relation) and members and all(w is not None for w in members):
                        found[("relation", relation["id"])] = relation
                        for way in members:
                            self._add_way(way, found)
        return {"version": 0.6, "generator": "Atlas test Overpass mock", "elements": list(found.values())}

    def _add_way(self, way: dict, found: dict) -> None:
        found[("way", way["id"])] = way
        for ref in way["nodes"]:
            found[("node", ref)] = self.nodes[ref]


class MockOverpass:
    """Serve an OsmIndex at http://127.0.0.1:<port>/api; records every query it answered."""

    def __init__(self, index: OsmIndex):
        self.index, self.queries = index, []
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 — http.server's naming
                body = (b"Connected as: 1\nCurrent time: 2026-01-01T00:00:00Z\nAnnounced endpoint: none\n"
                        b"Rate limit: 2\n2 slots available now.\nCurrently running queries (pid, space limit, "
                        b"time limit, start time):\n")
                self._send(200, "text/plain", body)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                query = form.get("data", [""])[0]
                mock.queries.append(query)
                self._send(200, "application/json", json.dumps(mock.index.answer(query)).encode())

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"

    def __enter__(self) -> "MockOverpass":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
