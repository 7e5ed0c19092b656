"""What a release publishes, installed as users install it: helpers of the dist tests.

- `build_dist`: `make dist`'s script (scripts/build-dist) into a directory of the test's;
- `ReleaseServer`: that directory served from 127.0.0.1 in GitHub's release layout, which
  the engine reaches through `PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES`, as it would reach the
  project's releases through the schema's `pluginDownloadURL`;
- `UserEngine`: the engine as a user without Python has it (a PATH of the engine, its
  Node.js, Go and YAML hosts, node, go and the system's tools, nothing of Python), its own
  PULUMI_HOME, and plugin downloads allowed;
- `go_module_proxy`: sdk/go served as a Go module proxy serves the tag `sdk/go/v<version>`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path

from pulumi_datadog_seats.plugin.schema import GO_IMPORT_BASE_PATH, PLUGIN_DOWNLOAD_URL

from .harness import ROOT, Engine, Result

VERSION = version("pulumi-datadog-seats")
PLUGIN = "pulumi-resource-datadog-seats"
ARCHIVE = f"{PLUGIN}-v{VERSION}-linux-amd64.tar.gz"
NPM_TARBALL = f"pulumi-datadog-seats-datadog-seats-{VERSION}.tgz"
GO_MODULE = GO_IMPORT_BASE_PATH.removesuffix("/datadogseats")
#: The pieces of the engine a user of TypeScript, Go or YAML has (no Python host).
ENGINE_PIECES = ("pulumi", "pulumi-language-nodejs", "pulumi-language-go", "pulumi-language-yaml")
#: Names of the tools that are Python, or would bring the console script.
PYTHONISH = re.compile(r"^(python|pip|pydoc|pyvenv|idle|2to3|easy_install|virtualenv|pulumi)")


def build_dist(out: Path) -> Path:
    """`make dist` into ``out`` (scripts/build-dist with DIST_DIR); returns ``out``."""
    proc = subprocess.run(
        [str(ROOT / "scripts" / "build-dist")],
        cwd=ROOT,
        env={**os.environ, "DIST_DIR": str(out), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@dataclass
class ReleaseServer:
    """The files of a dist directory at /releases/download/v<version>/<file>, as GitHub
    serves a release's assets; every request is logged as (path, status)."""

    dist: Path
    requests: list[tuple[str, int]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)

    def start(self) -> ReleaseServer:
        release = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                prefix = f"/releases/download/v{VERSION}/"
                name = self.path.removeprefix(prefix)
                asset = release.dist / name
                found = self.path.startswith(prefix) and "/" not in name and asset.is_file()
                status = HTTPStatus.OK if found else HTTPStatus.NOT_FOUND
                release.requests.append((self.path, status.value))
                self.send_response(status)
                body = asset.read_bytes() if found else b"Not Found"
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        """The release's download URL with the engine's placeholder for the version, as
        `pulumi plugin install --server` and the overrides take it."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/releases/download/v${{VERSION}}"

    def overrides(self) -> str:
        """PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES that sends the schema's pluginDownloadURL here."""
        return f"^{re.escape(PLUGIN_DOWNLOAD_URL)}$={self.url}"

    def downloads(self) -> list[str]:
        """The files served (status 200)."""
        return [path.rsplit("/", 1)[1] for path, status in self.requests if status == 200]


def python_free_path(engine_bin: Path, where: Path) -> str:
    """A PATH of the engine's TypeScript/Go/YAML pieces, node, npm, go and the system's tools,
    with nothing that is Python (no interpreter, no virtualenv, no console script)."""
    engine = where / "engine"
    tools = where / "tools"
    engine.mkdir(parents=True)
    tools.mkdir()
    for piece in ENGINE_PIECES:
        (engine / piece).symlink_to(engine_bin / piece)
    for name in ("node", "npm", "npx", "go", "gofmt"):
        found = shutil.which(name)
        assert found, f"{name} is not installed"
        (tools / name).symlink_to(Path(found).resolve() if name in ("go", "gofmt") else found)
    for directory in (Path("/usr/bin"), Path("/bin")):
        for entry in directory.iterdir():
            target = tools / entry.name
            if not PYTHONISH.match(entry.name) and not target.exists() and not target.is_symlink():
                target.symlink_to(entry)
    path = os.pathsep.join([str(engine), str(tools)])
    for python in ("python", "python3", PLUGIN):
        assert shutil.which(python, path=path) is None, python
    return path


@dataclass(frozen=True)
class UserEngine(Engine):
    """The engine as a TypeScript, Go or YAML user without Python has it: ``path`` (see
    `python_free_path`) is the whole PATH, PULUMI_HOME is the engine's own, and the engine
    downloads the plugins it lacks (the e2e tier's other tests forbid it)."""

    path: str = ""
    extra: tuple[tuple[str, str], ...] = ()

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in super().env().items()
            if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PULUMI_PYTHON"))
        }
        del env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"]
        return {**env, "PATH": self.path, **dict(self.extra)}

    def installed(self) -> list[str]:
        """The plugins under PULUMI_HOME/plugins (`resource-datadog-seats-v0.1.0`, ...)."""
        plugins = self.home_dir / "plugins"
        if not plugins.is_dir():
            return []
        return sorted(p.name for p in plugins.iterdir() if p.is_dir())


def user_engine(engine: Engine, where: Path, **extra: str) -> UserEngine:
    """A UserEngine on a new PULUMI_HOME and backend under ``where``."""
    (where / "home").mkdir(parents=True)
    (where / "backend").mkdir()
    return UserEngine(
        bin_dir=engine.bin_dir,
        backend_dir=where / "backend",
        home_dir=where / "home",
        path=python_free_path(engine.bin_dir, where / "path"),
        extra=tuple(sorted(extra.items())),
    )


def plugin_install(engine: Engine, *source: str) -> Result:
    """`pulumi plugin install resource datadog-seats <version> SOURCE...` (--file or --server)."""
    args = ["plugin", "install", "resource", "datadog-seats", VERSION, *source]
    proc = subprocess.run(
        [str(engine.bin_dir / "pulumi"), *args],
        env=engine.env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    result = Result(args, proc.returncode, proc.stdout, proc.stderr)
    assert proc.returncode == 0, result.text
    return result


def go_module_proxy(where: Path) -> Path:
    """sdk/go as the Go module proxy serves the tag `sdk/go/v<version>`: a GOPROXY directory
    (for `GOPROXY=file://...`) with the module's list, .info, .mod and .zip."""
    tag = f"v{VERSION}"
    sdk = ROOT / "sdk" / "go"
    versions = where / GO_MODULE / "@v"
    versions.mkdir(parents=True)
    (versions / "list").write_text(f"{tag}\n")
    (versions / f"{tag}.info").write_text(json.dumps({"Version": tag}))
    shutil.copy2(sdk / "go.mod", versions / f"{tag}.mod")
    files = subprocess.run(
        ["git", "ls-files", "-z", "sdk/go"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    with zipfile.ZipFile(versions / f"{tag}.zip", "w") as module_zip:
        for name in sorted(filter(None, files.split("\0"))):
            relative = Path(name).relative_to("sdk/go")
            module_zip.write(ROOT / name, f"{GO_MODULE}@{tag}/{relative}")
    return where


def forget_module(gomodcache: Path) -> None:
    """Remove the SDK module from Go's module cache, so that `go get` takes it from the
    proxy of `go_module_proxy`, i.e. sdk/go as it is now: the cache keeps a module
    version once downloaded, and every build of sdk/go has the same version."""
    escaped = GO_MODULE.split("/")[:2]  # github.com/pulumi-datadog-seats: nothing else is ours
    for where in (
        gomodcache.joinpath(*escaped),
        gomodcache.joinpath("cache", "download", *escaped),
    ):
        if where.exists():
            for directory, _, _ in os.walk(where):
                os.chmod(directory, 0o755)  # the module cache is read-only
            shutil.rmtree(where)


def go_user_env(proxy: Path) -> dict[str, str]:
    """Go as a user has it, with the module proxy of `go_module_proxy` in front of the
    usual one and Go's caches where they are (HOME may be elsewhere), less the SDK module."""
    settings = json.loads(
        subprocess.run(
            ["go", "env", "-json", "GOPROXY", "GOMODCACHE", "GOCACHE"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    forget_module(Path(settings["GOMODCACHE"]))
    return {
        "GOPROXY": f"{proxy.as_uri()},{settings['GOPROXY']}",
        # Not in the public checksum database until it is published.
        "GONOSUMDB": GO_MODULE,
        "GOMODCACHE": settings["GOMODCACHE"],
        "GOCACHE": settings["GOCACHE"],
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-buildvcs=false",
    }


#: A YAML program with one SeatAssignment of the users in config: YAML names no package,
#: so its plugin is installed with `pulumi plugin install` (`plugin_install`).
YAML_PROGRAM = """\
name: seats-yaml
runtime: yaml
config:
  userUuids:
    type: array
    items:
      type: string
resources:
  responders:
    type: datadog-seats:index:SeatAssignment
    properties:
      productCode: incident_response
      userUuids: ${userUuids}
outputs:
  assignedIds: ${responders.assignedIds}
"""


def yaml_program(where: Path) -> Path:
    """A new project directory ``where`` holding YAML_PROGRAM."""
    where.mkdir(parents=True)
    (where / "Pulumi.yaml").write_text(YAML_PROGRAM)
    return where
