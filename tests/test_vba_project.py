"""The workbook's VBA project built from ``workbooks/vba/*.bas``: MS-OVBA compression, the
compound file written anew, and the template's project read back by oletools and LibreOffice."""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from xl_collections.workbook.template import build_template, vba_project
from xl_collections.workbook.vba import cfb, kept_modules, module_sources, ovba, with_kept_vba
from xl_collections.workbook.vba.project import VbaProjectError, with_module_source

ROOT = Path(__file__).resolve().parents[1]
BAS = ROOT / "workbooks" / "vba"


# ---------------------------------------------------------------- MS-OVBA compression

@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=9000) | st.text(alphabet="Sub End If Then x=1\r\n'\" ", max_size=12000).map(str.encode))
def test_compress_round_trips_and_oletools_agrees(data):
    packed = ovba.compress(data)
    assert ovba.decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data


def test_compress_shrinks_source_text():
    text = (BAS / "Module1.bas").read_bytes() * 20
    assert len(ovba.compress(text)) < len(text) // 3


def test_decompress_refuses_what_is_not_a_container():
    with pytest.raises(ovba.CompressionError):
        ovba.decompress(b"\x00abc")


# ---------------------------------------------------------------- the compound file

def test_compound_file_written_anew_holds_every_stream_and_entry():
    vba, _ = vba_project()
    original = cfb.read(vba)
    copy = cfb.read(cfb.write(original))
    assert copy.paths() == original.paths()
    for path in original.paths():
        assert copy.stream(path) == original.stream(path), path
    # names, CLSIDs, state bits, times and tree links are kept: only start sector and size may move
    for a, b in zip(original.entries, copy.entries):
        assert a.raw[:116] == b.raw[:116]


def test_a_stream_can_grow_past_the_mini_stream_and_olefile_reads_it():
    vba, _ = vba_project()
    project = cfb.read(vba)
    big = bytes(range(256)) * 40           # 10,240 bytes: leaves the mini stream
    project.replace("VBA/Module1", big)
    blob = cfb.write(project)
    ole = olefile.OleFileIO(blob)
    assert ole.openstream("VBA/Module1").read() == big
    assert ole.openstream("VBA/xlwings").read() == project.stream("VBA/xlwings")
    assert ole.openstream("PROJECT").read() == project.stream("PROJECT")


def test_not_a_compound_file_is_refused():
    with pytest.raises(cfb.CompoundFileError):
        cfb.read(b"PK\x03\x04" + bytes(600))


# ---------------------------------------------------------------- module sources

def test_kept_module_replaces_only_its_source():
    vba, _ = vba_project()
    built = with_kept_vba(vba)
    before, after = cfb.read(vba), cfb.read(built)
    for path in before.paths():
        if path != "VBA/Module1":
            assert after.stream(path) == before.stream(path), f"{path} changed"
    # _VBA_PROJECT keeps version 0xFFFF: Excel compiles the project from source
    assert struct.unpack_from("<H", after.stream("VBA/_VBA_PROJECT"), 2)[0] == 0xFFFF
    src = module_sources(built)
    assert src["Module1"] == (BAS / "Module1.bas").read_bytes().decode("cp1252")
    assert {k: v for k, v in src.items() if k != "Module1"} == \
        {k: v for k, v in module_sources(vba).items() if k != "Module1"}


def test_module_text_must_name_its_module():
    vba, _ = vba_project()
    with pytest.raises(VbaProjectError, match="VB_Name"):
        with_module_source(vba, "Module1", 'Attribute VB_Name = "Other"\r\nSub X()\r\nEnd Sub\r\n')
    with pytest.raises(VbaProjectError, match="no module"):
        with_module_source(vba, "Nope", 'Attribute VB_Name = "Nope"\r\n')


def test_kept_sources_are_crlf_and_keep_the_sheet_buttons_macro():
    for name, text in kept_modules().items():
        assert "\n" not in text.replace("\r\n", ""), f"{name}.bas: line ends must be CRLF"
    assert re.search(r"^Sub SampleCall\(\)", kept_modules()["Module1"], re.M)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("vba") / "ar_close.xlsm"
    build_template(path)
    return path


def test_oletools_decodes_every_module_of_the_book_back_to_its_text(book):
    parser = VBA_Parser(str(book))
    found = {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    parser.close()
    for name, text in kept_modules().items():
        assert found[name].replace("\r\n", "\n") == text.replace("\r\n", "\n")
    # xlwings' own modules as xlwings ships them
    original = module_sources(vba_project()[0])
    assert found["xlwings"].replace("\r\n", "\n") == original["xlwings"].replace("\r\n", "\n")


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def test_libreoffice_imports_the_projects_subs(book, tmp_path):
    if not _soffice():
        if os.environ.get("CI"):
            pytest.fail("CI must have LibreOffice (.ci/run installs it)")
        pytest.skip("LibreOffice (soffice) is not installed")
    src = tmp_path / book.name
    shutil.copy(book, src)
    subprocess.run([_soffice(), "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "ods", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / "ar_close.ods") as z:
        basic = z.read("Basic/VBAProject/Module1.xml").decode("utf-8")
    subs = set(re.findall(r"^Sub (\w+)\(", basic, re.M))
    assert subs == set(re.findall(r"^Sub (\w+)\(", kept_modules()["Module1"], re.M))
    assert "control As IRibbonControl" in basic
