"""`shanhai import`, `shanhai export` and `shanhai template`, as operators and checks use them."""

from __future__ import annotations

import json

import openpyxl
import pytest
from django.core.management import call_command

from shanhai.imports.tests.sheets import xlsx
from shanhai.ledger.models import Record, Visit

pytestmark = pytest.mark.django_db


def call(*args, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command(*args)
    return exit_.value.code, capsys.readouterr()


@pytest.fixture
def sheet_path(tmp_path):
    def write(rows, name="visits.xlsx"):
        path = tmp_path / name
        path.write_bytes(xlsx(rows).read())
        return path

    return write


def test_import_prints_the_outcome_as_json_and_exits_0(tree, admin_user, sheet_path, capsys):
    path = sheet_path([["日期", "带队领导", "人数"], ["2023-06-28", "王书记", "12人"]])

    status, out = call(
        "import", "visits", str(path), "--pairing", "songjiang-weixin", "--json", capsys=capsys
    )

    assert status == 0
    assert json.loads(out.out) == {
        "kind": "visits",
        "rows": 1,
        "accepted": 1,
        "rejected": 0,
        "created": 1,
        "updated": 0,
        "errors": [],
    }
    assert Visit.objects.get().recorded_by == admin_user


def test_import_with_rejected_rows_exits_1_and_writes_nothing(tree, admin_user, sheet_path, capsys):
    path = sheet_path(
        [["日期", "带队领导", "人数"], ["2023-06-28", "王书记", 3], ["昨天", "李区长", "三"]]
    )

    status, out = call(
        "import", "visits", str(path), "--pairing", "songjiang-weixin", "--json", capsys=capsys
    )

    result = json.loads(out.out)
    assert status == 1
    assert (result["accepted"], result["rejected"], result["created"]) == (1, 1, 0)
    assert result["errors"][0]["row"] == 3
    assert result["errors"][0]["column"] == "日期"
    assert not Record.objects.exists()


def test_import_of_an_unusable_file_exits_2(tree, admin_user, tmp_path, capsys):
    path = tmp_path / "visits.xlsx"
    path.write_bytes(b"PK\x03\x04 broken zip")

    status, out = call("import", "visits", str(path), "--json", capsys=capsys)

    assert status == 2
    assert json.loads(out.out)["errors"][0]["row"] is None


def test_a_dry_run_writes_nothing(tree, admin_user, sheet_path, capsys):
    path = sheet_path([["日期", "带队领导"], ["2023-06-28", "王书记"]])

    status, out = call(
        "import", "visits", str(path), "--pairing", "songjiang-weixin", "--dry-run", capsys=capsys
    )

    assert status == 0
    assert "would create 1" in out.out
    assert not Record.objects.exists()


def test_update_mode_changes_an_existing_record(tree, admin_user, sheet_path, capsys):
    first = sheet_path([["日期", "带队领导", "人数"], ["2023-06-28", "王书记", 3]])
    call("import", "visits", str(first), "--pairing", "songjiang-weixin", capsys=capsys)
    path = sheet_path([["日期", "带队领导", "人数"], ["2023-06-28", "王书记", 5]], "v2.xlsx")

    status, out = call(
        "import", "visits", str(path), "--pairing", "songjiang-weixin", "--update", "--json",
        capsys=capsys,
    )  # fmt: skip

    assert status == 0
    assert json.loads(out.out)["updated"] == 1
    assert Visit.objects.get().member_count == 5


def test_export_then_import_is_a_round_trip_on_the_command_line(
    tree, admin_user, sheet_path, tmp_path, capsys
):
    call(
        "import", "visits", str(sheet_path([["日期", "带队领导"], ["2023-06-28", "王书记"]])),
        "--pairing", "songjiang-weixin", capsys=capsys,
    )  # fmt: skip
    exported = tmp_path / "out.xlsx"
    call_command(
        "export", "visits", "--pairing", "songjiang-weixin", "--year", "2023", "-o", str(exported)
    )
    capsys.readouterr()

    status, out = call("import", "visits", str(exported), "--json", capsys=capsys)

    assert status == 0
    assert json.loads(out.out)["created"] == 0
    assert Visit.objects.count() == 1


def test_template_writes_the_kinds_headers(tmp_path):
    path = tmp_path / "t.xlsx"

    call_command("template", "trainings", "-o", str(path))

    headers = [c.value for c in openpyxl.load_workbook(path).worksheets[0][2]]
    assert headers[:3] == ["序号", "结对", "日期*"]
    assert "培训主题*" in headers
