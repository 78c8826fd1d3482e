"""A small Hub-compatible HTTP server on 127.0.0.1 for tests: the part of the Hub API that huggingface_hub's
create_repo, create_branch, upload_folder (preupload, LFS batch with basic transfer, NDJSON commit), file
downloads (resolve) and tree listings use. Repositories live in memory; every request is recorded.
It speaks the Git LFS "basic" transfer, not Xet: clients set huggingface_hub's HF_HUB_DISABLE_XET=1."""

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

import yaml

LFS_THRESHOLD = 1_000_000
LFS_SUFFIXES = (".safetensors", ".parquet", ".png", ".wav", ".flac")
PREFIXES = {"model": "", "dataset": "datasets/", "space": "spaces/"}


@dataclass
class Repo:
    private: bool
    commits: dict[str, dict[str, tuple[bytes, str | None]]] = field(
        default_factory=dict
    )  # oid -> path -> (data, lfs oid)
    branches: dict[str, str] = field(default_factory=dict)


class HubState:
    def __init__(self, token: str):
        self.token = token
        self.repos: dict[tuple[str, str], Repo] = {}
        self.lfs: dict[str, bytes] = {}
        self.requests: list[tuple[str, str]] = []
        self.fail_commits = False
        self.lock = threading.Lock()

    def snapshot(self, repo: Repo, revision: str) -> tuple[str, dict] | None:
        oid = repo.branches.get(revision, revision)
        return (oid, repo.commits[oid]) if oid in repo.commits else None


class Handler(BaseHTTPRequestHandler):
    state: HubState
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    # --- helpers -------------------------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://{self.headers['Host']}"

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload=None, headers: dict | None = None, body: bytes | None = None):
        data = body if body is not None else (json.dumps(payload).encode() if payload is not None else b"")
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body is None and payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status: int, code: str, message: str):
        self._send(status, {"error": message}, {"X-Error-Code": code, "X-Error-Message": message})

    def _authorized(self) -> bool:
        return self.headers.get("Authorization") == f"Bearer {self.state.token}"

    def _repo(self, repo_type: str, repo_id: str) -> Repo | None:
        repo = self.state.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not self._authorized()):
            self._error(404, "RepoNotFound", f"Repository {repo_id} not found")
            return None
        return repo

    # --- routes --------------------------------------------------------------------------------------------------
    def do_POST(self):
        self.state.requests.append(("POST", self.path))
        path = unquote(urlparse(self.path).path)
        body = self._body()
        if not self._authorized():
            return self._error(401, "RepoNotFound", "Invalid credentials")
        if path == "/api/validate-yaml":  # the card's front matter must be a YAML mapping
            content = json.loads(body)["content"]
            try:
                metadata = yaml.safe_load(content.split("---")[1]) if content.startswith("---") else {}
            except yaml.YAMLError as err:
                return self._error(400, "BadRequest", f"Invalid metadata: {err}")
            if not isinstance(metadata, dict):
                return self._error(400, "BadRequest", "Metadata is not a mapping")
            return self._send(200, {"errors": [], "warnings": []})
        if path == "/api/repos/create":
            payload = json.loads(body)
            repo_type = payload.get("type") or "model"
            repo_id = (
                f"{payload['organization']}/{payload['name']}" if payload.get("organization") else payload["name"]
            )
            with self.state.lock:
                if (repo_type, repo_id) in self.state.repos:
                    return self._error(409, "RepoExists", "You already created this repo")
                private = bool(payload.get("private")) or payload.get("visibility") == "private"
                self.state.repos[(repo_type, repo_id)] = Repo(
                    private=private, commits={"0" * 40: {}}, branches={"main": "0" * 40}
                )
            return self._send(200, {"url": f"{self.base}/{PREFIXES[repo_type]}{repo_id}", "name": repo_id})
        if match := re.fullmatch(r"/api/(model|dataset|space)s/([^/]+/[^/]+)/branch/(.+)", path):
            repo = self._repo(match[1], match[2])
            if repo is None:
                return None
            if match[3] in repo.branches:
                return self._error(409, "BranchExists", "Branch already exists")
            repo.branches[match[3]] = repo.branches["main"]
            return self._send(200, {})
        if match := re.fullmatch(r"/api/(model|dataset|space)s/([^/]+/[^/]+)/preupload/(.+)", path):
            if self._repo(match[1], match[2]) is None:
                return None
            files = json.loads(body)["files"]
            modes = [
                {
                    "path": f["path"],
                    "shouldIgnore": False,
                    "uploadMode": "lfs"
                    if f["size"] > LFS_THRESHOLD or f["path"].endswith(LFS_SUFFIXES)
                    else "regular",
                }
                for f in files
            ]
            return self._send(200, {"files": modes})
        if match := re.fullmatch(r"/(?:(datasets|spaces)/)?([^/]+/[^/]+)\.git/info/lfs/objects/batch", path):
            objects = []
            for obj in json.loads(body)["objects"]:
                entry = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
                if obj["oid"] not in self.state.lfs:
                    entry["actions"] = {"upload": {"href": f"{self.base}/lfs-upload/{obj['oid']}"}}
                objects.append(entry)
            return self._send(
                200, {"transfer": "basic", "objects": objects}, {"Content-Type": "application/vnd.git-lfs+json"}
            )
        if match := re.fullmatch(r"/api/(model|dataset|space)s/([^/]+/[^/]+)/commit/(.+)", path):
            return self._commit(match[1], match[2], match[3], body)
        return self._error(404, "EntryNotFound", f"No route {path}")

    def do_PUT(self):
        self.state.requests.append(("PUT", self.path))
        path = urlparse(self.path).path
        body = self._body()
        if match := re.fullmatch(r"/lfs-upload/([0-9a-f]{64})", path):
            if hashlib.sha256(body).hexdigest() != match[1]:
                return self._error(400, "BadRequest", "sha256 mismatch")
            self.state.lfs[match[1]] = body
            return self._send(200, {})
        return self._error(404, "EntryNotFound", f"No route {path}")

    def _commit(self, repo_type: str, repo_id: str, revision: str, body: bytes):
        repo = self._repo(repo_type, repo_id)
        if repo is None:
            return None
        if self.state.fail_commits:
            return self._error(500, "InternalError", "commit failed (injected by the test)")
        with self.state.lock:
            found = self.state.snapshot(repo, revision)
            if found is None:
                return self._error(404, "RevisionNotFound", f"Revision {revision} not found")
            parent, files = found
            files = dict(files)
            summary = ""
            for line in body.decode().splitlines():
                item = json.loads(line)
                value = item["value"]
                if item["key"] == "header":
                    summary = value.get("summary", "")
                elif item["key"] == "file":
                    files[value["path"]] = (base64.b64decode(value["content"]), None)
                elif item["key"] == "lfsFile":
                    if value["oid"] not in self.state.lfs:
                        return self._error(400, "BadRequest", f"LFS object {value['oid']} was not uploaded")
                    files[value["path"]] = (self.state.lfs[value["oid"]], value["oid"])
                elif item["key"] == "deletedFile":
                    files.pop(value["path"], None)
            oid = hashlib.sha1(f"{parent}{summary}{sorted(files)}{len(repo.commits)}".encode()).hexdigest()
            repo.commits[oid] = files
            repo.branches[revision if revision in repo.branches else "main"] = oid
        url = f"{self.base}/{PREFIXES[repo_type]}{repo_id}/commit/{oid}"
        return self._send(200, {"commitUrl": url, "commitOid": oid, "pullRequestUrl": None})

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self.state.requests.append((self.command, self.path))
        path = unquote(urlparse(self.path).path)
        if match := re.fullmatch(r"/(?:(datasets|spaces)/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path):
            repo_type = {"datasets": "dataset", "spaces": "space"}.get(match[1], "model")
            repo = self._repo(repo_type, match[2])
            if repo is None:
                return None
            found = self.state.snapshot(repo, match[3])
            if found is None:
                return self._error(404, "RevisionNotFound", f"Revision {match[3]} not found")
            oid, files = found
            if match[4] not in files:
                return self._error(
                    404,
                    "EntryNotFound",
                    f"{match[4]} not found",
                )
            data, lfs_oid = files[match[4]]
            etag = lfs_oid or hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            headers = {"X-Repo-Commit": oid, "ETag": f'"{etag}"', "Content-Type": "application/octet-stream"}
            if lfs_oid:
                headers.update({"X-Linked-Etag": f'"{lfs_oid}"', "X-Linked-Size": str(len(data))})
            return self._send(200, headers=headers, body=data)
        if match := re.fullmatch(r"/api/(model|dataset|space)s/([^/]+/[^/]+)/tree/([^/]+)(?:/.*)?", path):
            repo = self._repo(match[1], match[2])
            if repo is None:
                return None
            found = self.state.snapshot(repo, match[3])
            if found is None:
                return self._error(404, "RevisionNotFound", f"Revision {match[3]} not found")
            entries = [
                {"type": "file", "path": p, "size": len(d), "oid": hashlib.sha1(d).hexdigest()}
                for p, (d, _) in sorted(found[1].items())
            ]
            return self._send(200, entries)
        return self._error(404, "EntryNotFound", f"No route {path}")


def serve(token: str) -> tuple[ThreadingHTTPServer, HubState]:
    """Start the server on a free port of 127.0.0.1 in a daemon thread."""
    state = HubState(token)
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state
