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
    '1:Close': 'a71e3918461c5edad0ffdf3d73fc9c611a3ce1de50f229bf10c86a3e0b24187b',
    '1:Cash App': 'ef5152cafeb34788ead72512453ee415ad36273d14ace134858424919c5d2824',
    '1:Unapplied': 'c1321c7c2b0ffa6d8744464e6d4a635d2010688b96ae1b97f4ca7ad975a4019d',
    '1:Exceptions': 'a3c0f9ea7cdcb32f651294daca78d84ee38100f0058627850b67d3b26e07452d',
    '1:Returned Items': '464650a7aab4f1407c8be94f3de8567ecb706d6ddd9784066abc69d782e14f99',
    '1:Aging': '57002f6571d73db6fa5490c88ac39a9facda802cc5a3479b35b046059352f9e3',
    '1:Aging Detail': '9aa6601f8713552f527c1a6b6f463cb68469a1c4b8a90fab55dc30097674b19e',
    '1:Aging History': 'db8a949b4c1970b6896be340082fed622484030de8535898e5735323c9d21ad6',
    '1:KPIs': '37758036e46b89d6d259a31f541e4096f82b50dc91a1dfb9247d90a8727fb986',
    '1:Recon': 'de938164e8a95d9113a0ec882e91a9596c0621083bd3d3734751d4ab4566e01f',
    '1:Commentary': 'd6236089e73c51502f37459a52405194f75d8aa883a8af87c38ead4c6d89fc61',
    '1:Credit Review': '523dc3f7cdc049f6f2f28f0b83c41e6e82f515a8fbd6c71d5e160647c17913bd',
    '1:Order Decisions': 'ac4624bd35e30a7e50d35d609748c16ab212aca85632c0747058ce420d7787ce',
    '1:Worklist': 'ed13b7666f1305718a13f8746bcae4a2443fed09076070db57d56621e4b23450',
    '1:Promises': '1e7d017cd907ce9f23fbb8e287e901258a21403b116ed71588bba894eb90867e',
    '1:Disputes': '50d5707a99b58db01a7a551271675be3625305758eec0c11531c2582df5d3f6e',
    '1:Dunning': '9d809c64bc2bccaeaab2a10d31f0cdd9a88a366973d720fa519aa7b793b0b3d9',
    '1:Dunning History': '46116074fccad9c84596ac1668bcd28256e6967b5bb4fe8268b485da6fa44560',
    '1:Allowance': '2463413e6b69d4e208b264bcc8e7fdc1cdea689ac02ce14a5f257ce1a0f84973',
    '1:Write-off Proposals': 'c711e839e329f3a88fdfaf2854bd6abdb128ad6cef19280ab65a429e0f47e5b8',
    '1:Dashboard': 'c05b615db36503460cfc06b4db266ffb88f93670ac9437062a5e1987a64bafcb',
    '1:Cash Record': 'b2cb3a20e175c739994037598d8cfcbaf95e078ee2f000fcab043a28b4985891',
    '1:Audit Log': 'a835257b5d18bf11c67c995374f96d4ae5d71758d1b57a1b214f21a321b5c232',
    '2:Close': 'c48220897df849ebe9b1085bcf0514f755fca2c25d2f26bc724c43b0903dc937',
    '2:Cash App': 'a60e76e58811b2d31ecd335d7feb8e29229d63d24057f6c271253007ba152227',
    '2:Unapplied': 'be6f36042af3e1c856a0f249913eb8451676b9b77a30f059b7c43eb44e69fe86',
    '2:Exceptions': '96f4bb4fabba1c8c5324d88782c6aa0342d1d2ab53375a08595d0be664fb03d4',
    '2:Returned Items': '6ae79abd0f926b839024e46c65bd442a4060912d62e5e453f08b8fb340fe0733',
    '2:Aging': '6b29780b8e72e9e02102930ba6175cf98eae242afb4fcd1ccf82296393c6368e',
    '2:Aging Detail': '9aa6601f8713552f527c1a6b6f463cb68469a1c4b8a90fab55dc30097674b19e',
    '2:Aging History': 'db8a949b4c1970b6896be340082fed622484030de8535898e5735323c9d21ad6',
    '2:KPIs': 'bcb13a18fd524f4d5074612f281ba366d401ed7342592e2401d612eed9b7d8b2',
    '2:Recon': '29d1f4a2e58a2ef076e0663772677f61dca4e511926ab776e095e71248b8d580',
    '2:Commentary': '1817d03088fd625d8cbc730f493357b5dff2a55d9b4f639aae7509917bafc77f',
    '2:Credit Review': '9f2051a685fd695ffdfe14b3dab1797f376eacb255aedc93fada48f4e51fa3fe',
    '2:Order Decisions': 'ce265aa4391539b04387d8b6d0520faf5d5d8acc60eca526bcb8063da6f78db6',
    '2:Worklist': '580d32b8d733111ce3383f21faa8101c8adce7a0619f8ff7ceac0489ea8ddb9b',
    '2:Promises': '02feb643c503511455f5b0160646661e4a0d1379fe36fed0027603d837cb47a7',
    '2:Disputes': '36185c2d17d07ae0825efc4d5942818b66e6a0d093f6d1c0c2c80d961bba4e44',
    '2:Dunning': '45a744603edce03af77230a2276a01078599a0fcc9ba456f598e42547690c096',
    '2:Dunning History': '46116074fccad9c84596ac1668bcd28256e6967b5bb4fe8268b485da6fa44560',
    '2:Allowance': '40c535a564c9124a70bf5e8c7ad8ef010042ab9fd72ac5bfe6d1abf9e16ab669',
    '2:Write-off Proposals': '75c833975885c0a63fe82a6ac054ed4345dbd97ee1ed7564285caa073bc6786d',
    '2:Dashboard': 'c05b615db36503460cfc06b4db266ffb88f93670ac9437062a5e1987a64bafcb',
    '2:Cash Record': '6835a14e06e5fb78ec240f7a423f4e392fb08f9a2329ac98a01bc922fd905e28',
    '2:Audit Log': '3c8a8fe4ad7f147285f74a2fb29fce66a78bece527ff21419484b12844df24e5',
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
