"""Every program sheet of the closed demo book holds the same cells as before the close's speed
work (issue 20): the demo book (1,500 items, seed 11) is closed twice (the second close reads
the first one's sheets back: the user's cells, the Audit Log, the Cash Record) and each owned
sheet's cells -- address, type, value, formula, style -- are pinned by a SHA-256.

Left out: what differs between two identical runs -- run ids (replaced by their order of
appearance), run times, the ``Seconds`` columns and the ``User`` column (who ran it).

When an output is meant to change, print the new digests with
``PYTHONPATH=. python tests/test_close_fingerprint.py`` and replace :data:`PINNED` in the same
commit that says why."""
from __future__ import annotations

import hashlib
import re
import sys
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

from xl_collections.cli.demo import build_demo_book
from xl_collections.cli.dispatch import main as cli
from xl_collections.close.steps import OWNED_SHEETS
from xl_collections.io.sources import sheet_part

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RUN_ID = re.compile(r"\d{8}T\d{6}(?:-\d+)?")
RUN_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
VARYING_HEADERS = {"Seconds", "User"}       # per sheet: the column under such a header is left out

PINNED = {     # '<close>:<sheet>': SHA-256 of its normalised cells
    '1:Close': 'd6f266c88e74dfd221f423b9ac225da672c63315d42fdf083623ca127a514de7',
    '1:Cash App': 'ddf08d724a15c43b2803b1469d63bc8550df026a05a706ad1140bb8fdcf4af52',
    '1:Unapplied': 'de4e79f84e7ff1ec5fac5a3c59066be7d9755a58d0e1807401ee89a84c5cc576',
    '1:Exceptions': 'dad88d3e155159d6800573928968b1ce67a63fb34d25f37c1b6ea7f73b427ff1',
    '1:Returned Items': '784d8557fbe5acb0cb6598e8d56ecb202f6fac3115fa37a0b79f14d7a03cabf7',
    '1:Aging': 'ca67e5c5cfd67609298a332a9f84d77eb71129fad766a2fcce64ccb7ebaa2087',
    '1:Aging Detail': 'eeadc9fb0c607b141fe89a03a7e5d00cf070110dc2a939f7afaa6cfa55867ef3',
    '1:Aging History': 'cc4e69281654578d4d5c2a3a885671768c4cfacea444ec93589c690ba058f4ef',
    '1:KPIs': 'caf05805a157852d98a169aabd8ae21f10f228c1039da97ba4d71f667962dfe4',
    '1:Recon': 'daf52136901caf80eb38a82746a68b413b60f714a8727c0487b3ee3efa23e30d',
    '1:Commentary': '9e83cf4f477f5494cd1ecd94261e293da77d6b6b3cea3391aac14f90c68c13a1',
    '1:Credit Review': '2de6a5e70c8b9f418c434663f82511a9e71e65eb0b6c264189381f6da69f4a6e',
    '1:Order Decisions': '559827072162878097fbf3f8cc5aeed8c3aab130946dd9446bc1b6b90ebf718a',
    '1:Worklist': 'b9844332efe3e51de26f4e932df85fcde5e1e43d1392dbaaa5b9d66462d2b737',
    '1:Promises': 'dbc57985f2b0d44ba8e06b420af5dfcfe89aecfdfec59c64ea353908212b2169',
    '1:Disputes': '35ff1810104630a673041522a4cd45046fbdb1e57d58b8549e6f9062877b991c',
    '1:Dunning': 'c6a115466bda4f546d34557b97889419d999554cc17ce8c6c95018b51222c085',
    '1:Dunning History': '45a66a4d0b575ba813f0eff02658523a6f80ed551019567d2ba47c6e40244eed',
    '1:Allowance': 'b396cacf153ecb221c5edbe3bb0bfdee9b1b36ac1b39adbceae73eab0eef2a19',
    '1:Write-off Proposals': 'cc7dfcdb1dabd137b2f709c4a37b6e6217906b7a9c5ba24362ace52d01e7e25f',
    '1:Dashboard': 'b97ca192732d2f2818ed937b3ee03c25a80240c19108afc0aa3fb51b1ac75973',
    '1:Cash Record': '4c7050af8d5ac6e7445f0c4456be32a46d7037aeec7e51a6a0d44c649e53d48c',
    '1:Audit Log': '7110c80705e26c20448b14393ec1e792b1ba1c5b418c208143653459aff3ba8c',
    '2:Close': 'b987d5ae9ea2fcaed83a7821d24bca3a118484271fa284d49c63560953f3a4ed',
    '2:Cash App': 'ddf08d724a15c43b2803b1469d63bc8550df026a05a706ad1140bb8fdcf4af52',
    '2:Unapplied': 'de4e79f84e7ff1ec5fac5a3c59066be7d9755a58d0e1807401ee89a84c5cc576',
    '2:Exceptions': 'dad88d3e155159d6800573928968b1ce67a63fb34d25f37c1b6ea7f73b427ff1',
    '2:Returned Items': '784d8557fbe5acb0cb6598e8d56ecb202f6fac3115fa37a0b79f14d7a03cabf7',
    '2:Aging': 'ca67e5c5cfd67609298a332a9f84d77eb71129fad766a2fcce64ccb7ebaa2087',
    '2:Aging Detail': 'eeadc9fb0c607b141fe89a03a7e5d00cf070110dc2a939f7afaa6cfa55867ef3',
    '2:Aging History': 'cc4e69281654578d4d5c2a3a885671768c4cfacea444ec93589c690ba058f4ef',
    '2:KPIs': 'caf05805a157852d98a169aabd8ae21f10f228c1039da97ba4d71f667962dfe4',
    '2:Recon': 'daf52136901caf80eb38a82746a68b413b60f714a8727c0487b3ee3efa23e30d',
    '2:Commentary': '9e83cf4f477f5494cd1ecd94261e293da77d6b6b3cea3391aac14f90c68c13a1',
    '2:Credit Review': '2de6a5e70c8b9f418c434663f82511a9e71e65eb0b6c264189381f6da69f4a6e',
    '2:Order Decisions': 'f4da63882e94408bcb58ff43310057120371f06af4a12e481915775aac6060cb',
    '2:Worklist': 'b9844332efe3e51de26f4e932df85fcde5e1e43d1392dbaaa5b9d66462d2b737',
    '2:Promises': 'dbc57985f2b0d44ba8e06b420af5dfcfe89aecfdfec59c64ea353908212b2169',
    '2:Disputes': '35ff1810104630a673041522a4cd45046fbdb1e57d58b8549e6f9062877b991c',
    '2:Dunning': 'c6a115466bda4f546d34557b97889419d999554cc17ce8c6c95018b51222c085',
    '2:Dunning History': '45a66a4d0b575ba813f0eff02658523a6f80ed551019567d2ba47c6e40244eed',
    '2:Allowance': 'b396cacf153ecb221c5edbe3bb0bfdee9b1b36ac1b39adbceae73eab0eef2a19',
    '2:Write-off Proposals': 'c6b03ac91c3884079809bc86493d8e6d99f170d05ec49a20b17aab0e01d58f06',
    '2:Dashboard': 'b97ca192732d2f2818ed937b3ee03c25a80240c19108afc0aa3fb51b1ac75973',
    '2:Cash Record': '4c7050af8d5ac6e7445f0c4456be32a46d7037aeec7e51a6a0d44c649e53d48c',
    '2:Audit Log': '12b31a0276cdf2ac3d2ed01fcc22f253312f6ca5c0ec66650f7df23773f58200',
}


def sheet_cells(path: Path) -> dict[str, list[tuple]]:
    """Each owned sheet's cells in file order: (address, type, value, formula, style); shared
    strings resolved, inline strings joined."""
    out = {}
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        sst = []
        if "xl/sharedStrings.xml" in names:
            sst = ["".join(t.text or "" for t in si.iter(NS + "t"))
                   for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(NS + "si")]
        for sheet in OWNED_SHEETS:
            try:
                part = sheet_part(z, sheet, binary=False)
            except (KeyError, ValueError):
                continue
            if not part or part not in names:
                continue
            cells = []
            for c in ET.fromstring(z.read(part)).iter(NS + "c"):
                t, v, f = c.get("t"), c.find(NS + "v"), c.find(NS + "f")
                val = v.text if v is not None else None
                if t == "inlineStr":
                    val = "".join(x.text or "" for x in c.iter(NS + "t"))
                elif t == "s" and val is not None:
                    val = sst[int(val)]
                cells.append((c.get("r"), t, val, None if f is None else (f.text, tuple(sorted(f.attrib.items()))),
                              c.get("s")))
            out[sheet] = cells
    return out


def normalised(cells: list[tuple], tokens: dict[str, str]) -> list[tuple]:
    """Cells without what differs between identical runs (see the module's docstring)."""
    varying: set[str] = set()                # column letters under a varying header
    for ref, _t, val, _f, _s in cells:
        if val in VARYING_HEADERS:
            varying.add(re.match(r"[A-Z]+", ref).group())
    out = []
    for ref, t, val, f, s in cells:
        col = re.match(r"[A-Z]+", ref).group()
        if col in varying and val not in VARYING_HEADERS:
            val = "<varies>"
        elif isinstance(val, str) and RUN_TIME.fullmatch(val):
            val = "<time>"
        elif isinstance(val, str) and RUN_ID.fullmatch(val):
            val = tokens.setdefault(val, f"<run {len(tokens)}>")
        out.append((ref, t, val, f, s))
    return out


def digests(path: Path, tokens: dict[str, str]) -> dict[str, str]:
    return {sheet: hashlib.sha256(repr(normalised(cells, tokens)).encode()).hexdigest()
            for sheet, cells in sheet_cells(path).items()}


def closed_twice(folder: Path) -> dict[str, str]:
    _gen, path = build_demo_book(folder, items=1500, seed=11)
    tokens: dict[str, str] = {}
    got = {}
    for run in (1, 2):
        assert cli(["close", str(path)]) == 0
        got.update({f"{run}:{sheet}": d for sheet, d in digests(path, tokens).items()})
    return got


def test_every_program_sheet_holds_the_same_cells(tmp_path):
    got = closed_twice(tmp_path)
    assert set(got) == set(PINNED)
    changed = sorted(k for k in PINNED if got[k] != PINNED[k])
    assert not changed, f"cells changed on: {changed}"


if __name__ == "__main__":
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        for k, v in closed_twice(Path(d)).items():
            print(f"    {k!r}: {v!r},")
    sys.exit(0)
