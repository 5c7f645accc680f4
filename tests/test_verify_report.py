"""The report of derive verify: text, JSON (fields kept), GitHub annotations, no math found."""

import json

from derive.verify.command import main


def _file(tmp_path, text):
    path = tmp_path / "post.md"
    path.write_text(text)
    return str(path)


def test_a_file_with_no_math_says_so(tmp_path, capsys):
    path = _file(tmp_path, "# Notes\n\nNothing to check here.\n")
    assert main([path]) == 0
    assert capsys.readouterr().out.strip() == f"{path}: no math found"


def test_github_format_annotates_the_wrong_step(tmp_path, capsys):
    path = _file(tmp_path, "Intro.\n\n$$(a + b)^2 = a^2 + b^2$$\n")
    assert main([path, "--format", "github"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"::error file={path},line=3,title=derive verify%3A wrong step::WRONG")
    assert "counterexample" in out[0]
    assert out[-1].endswith("first wrong step at line 3")


def test_json_keeps_its_fields_and_adds_the_first_wrong_line(tmp_path, capsys):
    path = _file(tmp_path, "$$(a + b)^2 = a^2 + 2ab + b^2 = a^2 + b^2$$\n")
    assert main([path, "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    fields = {"line", "source", "relation", "verdict", "method", "reason", "check", "before", "seconds"}
    assert all(fields <= set(step) for step in payload["steps"])
    assert payload["summary"]["wrong"] == 1 and payload["first_wrong_line"] == 1
    wrong = [s for s in payload["steps"] if s["verdict"] == "wrong"][0]
    assert wrong["counterexample"] and wrong["difference"]


def test_text_lines_come_in_document_order_with_the_summary_last(tmp_path, capsys):
    path = _file(tmp_path, "$$x + x = 2x$$\n\n$$x + 1 = x$$\n")
    assert main([path]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{path}:1: ok") and out[1].startswith(f"{path}:3: WRONG")
    assert out[-1] == f"{path}: 2 steps: 1 verified, 1 wrong, 0 undecided, 0 unparsed; first wrong step at line 3"
