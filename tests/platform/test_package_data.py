"""An installed ``jost`` carries its schema: the wheel holds every migration, and the copy
unpacked from it builds the projection's tables with no source tree around."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from jost.platform.migrations import MIGRATIONS_DIR, migration_files

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, duckdb, jost
from jost.platform.migrations import migrate
con = duckdb.connect("projection.duckdb")
print(json.dumps({"jost": jost.__file__, "applied": migrate(con),
                  "tables": sorted(r[0] for r in con.execute("SHOW TABLES").fetchall())}))
"""


def test_the_wheel_ships_the_schema_and_it_migrates(tmp_path: Path) -> None:
    # pip builds the wheel as any installer would (the build backend in its own environment).
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(REPO), "-w", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("jost-*.whl")
    shipped = [path.name for _, path in migration_files(MIGRATIONS_DIR)]
    assert len(shipped) >= 4
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert sorted(n for n in names if n.endswith(".sql")) == [
            f"jost/platform/migrations/{name}" for name in sorted(shipped)
        ]
        # The workbench's pages come with it too (templates and static files, no CDN).
        pages = Path(REPO / "jost/platform/workbench")
        for folder in ("templates", "static"):
            files = sorted(p.name for p in (pages / folder).iterdir() if p.is_file())
            assert files
            assert all(f"jost/platform/workbench/{folder}/{f}" in names for f in files)
        site = tmp_path / "site"
        z.extractall(site)

    # The unpacked package alone, first on the path, from a folder with no source tree in it.
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(found["jost"]).is_relative_to(site)
    assert found["applied"] == [v for v, _ in migration_files(MIGRATIONS_DIR)]
    assert {"jobs", "shards", "events", "schema_migrations"} <= set(found["tables"])
