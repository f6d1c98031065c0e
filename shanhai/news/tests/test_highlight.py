"""The article's text with its facts marked: escaped, nested, one paragraph at a time."""

from shanhai.news.highlight import render


def test_text_is_escaped_and_only_marks_paragraphs_and_line_breaks_are_added():
    text = "<script>alert(1)</script> & 协作\n第二行\n\n第二段"

    html = render(text, [])

    assert html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; 协作<br>第二行</p>\n<p>第二段</p>"
    )


def test_a_quantity_and_a_date_nest_inside_their_events_sentence():
    text = "2023年6月，松江区援助执法车四辆。"
    marks = [
        {"start": 0, "end": len(text), "type": "event", "kind": "donation", "date": "2023-06"},
        {"start": 0, "end": 7, "type": "date"},
        {"start": text.index("四辆"), "end": text.index("四辆") + 2, "type": "quantity",
         "category": "funds"},
    ]  # fmt: skip

    html = render(text, marks)

    assert html.startswith('<p><mark class="fact event kind-donation" title="')
    assert '<mark class="fact date">2023年6月</mark>，松江区援助执法车' in html
    assert html.endswith('">四辆</mark>。</mark></p>')
    assert html.count("<mark") == html.count("</mark>") == 3


def test_a_mark_crossing_anothers_end_is_cut_there_and_one_crossing_a_paragraph_too():
    text = "甲乙丙丁\n\n戊己"
    marks = [
        {"start": 0, "end": 3, "type": "quantity", "category": "talent"},
        {"start": 2, "end": 8, "type": "quantity", "category": "labor"},
    ]

    html = render(text, marks)

    talent, labor = '<mark class="fact q-talent" title="', '<mark class="fact q-labor" title="'
    first, second = html.split("\n")
    assert first.startswith(f"<p>{talent}")
    assert first.endswith('">丙</mark></mark>丁</p>')  # the labor mark ends where talent does
    assert labor in first
    assert second.startswith(f"<p>{labor}")
    assert second.endswith('">戊己</mark></p>')


def test_unknown_classes_and_bad_offsets_from_stored_json_are_ignored():
    text = "协作60余次"
    marks = [
        {"start": 2, "end": 6, "type": "quantity", "category": '"><script>'},
        {"start": 4, "end": 99, "type": "quantity", "category": "exchange"},
        {"start": "2", "end": 4, "type": "date"},
    ]

    html = render(text, marks)

    assert html.startswith('<p>协作<mark class="fact q-other" title="')
    assert html.endswith('">60余次</mark></p>')
    assert "<script>" not in html
