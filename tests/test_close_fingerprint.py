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
    '1:Close': '5e5cc7e45b80e03c68621db6662d9cd496f685d4890f94b378ffcd70274b256c',
    '1:Cash App': 'f2de405184d83dfafc76622b0f187ba5f320ba97339aa5575f600d93b03f8e29',
    '1:Unapplied': 'f35741b8f596faa78f6914443a2a3f22461efe4bfda95875f95d2d511039c3c1',
    '1:Exceptions': '3a916fa09ac9aa18f42a683d45b0540c533ac32c743bea230eb6e618f0845991',
    '1:Returned Items': 'b83774effbbf8e70be34fb9ed855ed8b29aa70639caa2478b26005a1eabce5b5',
    '1:Aging': 'a1bacc8d83bffb35573fceca14dde4df28fc22707b1a623b2d94334839a07448',
    '1:Aging Detail': '90734b743703e3d9b6bd0603c250df42a8752552502ba300940a85608fc60382',
    '1:Aging History': 'cc4e69281654578d4d5c2a3a885671768c4cfacea444ec93589c690ba058f4ef',
    '1:KPIs': '9017180ecc7b5e054fe38355bffda19fdb5e1e64d0433a7e8bab335a21809187',
    '1:Recon': 'fbf3c1627cdc7d1b01f823c7f145fb85f5f8776633f7e08a39df8de6fa7df85b',
    '1:Commentary': '06fdd4c373c73194e1ef35bdafc3f02ad5b6b27763ef657e9664f92814221051',
    '1:Credit Review': '202184767879515118ba86e7de8d5967a26c5f3fc716fe680e2d24bff7c82f67',
    '1:Order Decisions': 'b33b347f1c6d4e42462f02f0c6bd989bdedb7ca0e7a51612131c2994140f0f5d',
    '1:Worklist': '16e67a1ca8e624675c3f1af9f59e2b2f659767d43d8b4d594bd4c7d1e8375737',
    '1:Promises': 'f38fca3d05aaa0870ee2a0beae3d460ade88133198d61f23b36cf23d40f3addc',
    '1:Disputes': '5b44a87ac8d6af12aa90e6c7c9304518b1ade655f30fbbec8b23a7dbde28ef7a',
    '1:Dunning': 'e40acef19e79baf7aab4811b14bddf54a7abeee361100961fb1b7beca695181f',
    '1:Dunning History': '45a66a4d0b575ba813f0eff02658523a6f80ed551019567d2ba47c6e40244eed',
    '1:Allowance': '9bbb822728cb7902c6e4d644725d86b1e1c8f488e36ef3edeba24c211261ac7e',
    '1:Write-off Proposals': '3fe10fbb4fd85717fc61c4e353e001b42deae25619ab91f612d655708ba815d1',
    '1:Dashboard': '4fcdea0420035e358c0c341a367fa13d3bf7b0f3a6fdbcc498bf5b4eee79b5d9',
    '1:Cash Record': '1633b2b202677e5d5cf8da728e017b14977ae8cc0481950405d855dc128dbfea',
    '1:Audit Log': '467acc1d458a635e4f5d62a16068addfd230d1e957c4d0c444dba52508a12635',
    '2:Close': '3f30750cf2d6d90c2595fb8d798484524c512178e1400eba74c7f3a51f8a3217',
    '2:Cash App': '0e2502a3f2bc70079f2cae8476d481ed0553f95cc1254f0edf59cbe9f946454a',
    '2:Unapplied': '5195c24f1d513f26ad0b544514573c5f1db034d1721b692a7841292ff69a0e79',
    '2:Exceptions': '562140a82226a15963f42a7804faddc530ef977490790b172d1fa253a5601531',
    '2:Returned Items': 'a00e4602f3313ca94abc3aa8d52675807d0b611e633d06ff09291f71e7428338',
    '2:Aging': 'd38d8170b044e8dfc4a24ac7f3840161bb46241da4f19d2e3569e4b152f804d0',
    '2:Aging Detail': '90734b743703e3d9b6bd0603c250df42a8752552502ba300940a85608fc60382',
    '2:Aging History': 'cc4e69281654578d4d5c2a3a885671768c4cfacea444ec93589c690ba058f4ef',
    '2:KPIs': 'f97310e57335f80c6e10291494aa5028d6967596c789eb19d3a9908fae63d7b2',
    '2:Recon': '3ad0c7603ccd5cbabdaab1f43fb3340b865f5beef8fa0ae3443149cd1742768a',
    '2:Commentary': 'b35e924c5af701f649ef164df85d0efdedca15dab96359ea4116e752b1985de0',
    '2:Credit Review': '67bf5ecabd6a9e4c098632667a3501c122369dacf1155be301da010b1c5c6078',
    '2:Order Decisions': '515343120acf4eb4362810193f6cfe8dd11b1c4dae892d3cd92baa52c0d300bb',
    '2:Worklist': '6ead7bf2f9f531a08b5a42b5a79b0770d5a35363993b24dec98c9bec354aebcb',
    '2:Promises': 'e2d880045dfee7651359ab4f688e3421de0ea959b2e4059b9f8fbb5e943f27f3',
    '2:Disputes': 'b1bebf92019bd2b7e86291a482cf76d691270fca9f05f26e8147ac30403cf417',
    '2:Dunning': '9fca7dc4ac88ae108c702fa5375a9bcb8b80a8647ef5fad6e0ed4c9e12c24dba',
    '2:Dunning History': '45a66a4d0b575ba813f0eff02658523a6f80ed551019567d2ba47c6e40244eed',
    '2:Allowance': '42d2d15a61073c8f03e8b86248f1cc0043096d7b900456413293ff570197fe03',
    '2:Write-off Proposals': '99c9e4225c40bce2ee1e4cf126448cba301357ebafeab3faa0d8e05ff0f568d2',
    '2:Dashboard': '4fcdea0420035e358c0c341a367fa13d3bf7b0f3a6fdbcc498bf5b4eee79b5d9',
    '2:Cash Record': '6243fa056cf6934723359ab7a5ceb7725e4037e79307c54869b6b7f417cb23c2',
    '2:Audit Log': 'aab1fdafbf31714b85aa4fc9a1cf4851ccd2f965d03512ec38ddc7c849e6598a',
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
