import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, pinyin

from shanhai.news.cleaning import (
    ArticleError,
    clean,
    decode,
    html_to_text,
    repair_mojibake,
    strip_pinyin,
)

SEED = Path(__file__).resolve().parents[2] / "demo" / "data" / "songjiang-weixin-2023.txt"
PINYIN_AFTER = re.compile(r"[(?][a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]")
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def simulate_misread(phrase: str, position: int, resync_at: int | None = None) -> str:
    """Garble *phrase* as the pinyin tool did: read across characters at *position*.

    The tool reads the trail byte of character *position* with the lead byte of the next one
    as one character, writes `?` and that character's pinyin, and loses the lead byte. It reads
    shifted pairs until a byte in the ASCII range puts it back in step, or until character
    *resync_at*, whose trail byte it loses, writing `?` and that character's pinyin.
    """
    chars = list(phrase)
    encoded = [char.encode("gbk") for char in chars]
    assert all(len(code) == 2 for code in encoded)

    def reading(char: str) -> str:
        return str(pinyin(char, style=Style.TONE)[0][0])

    misread = bytes([encoded[position][1], encoded[position + 1][0]]).decode("gbk")
    out = "".join(chars[: position + 1]) + f"?{reading(misread)})"
    stream = b"".join(encoded[position + 1 :])[1:]
    resync_byte = None if resync_at is None else 2 * (resync_at - position) - 1
    index = 0
    while index < len(stream):
        if stream[index] < 0x80:
            return out + chr(stream[index]) + stream[index + 1 :].decode("gbk")
        if index == resync_byte:
            assert resync_at is not None
            tail = stream[index + 1 :].decode("gbk")
            return out + f"?{reading(chars[resync_at])})" + tail
        out += stream[index : index + 2].decode("gb18030")
        index += 2
    return out


@pytest.fixture(scope="module")
def seed():
    return clean(SEED.read_bytes())


def test_the_seed_article_comes_out_without_pinyin_mojibake_or_private_use_characters(seed):
    text = "\n".join([seed.title, seed.date_line, seed.text, seed.byline])
    assert not PINYIN_AFTER.search(text)
    assert "?" not in text
    assert not PRIVATE_USE.search(text)
    assert seed.repaired == 2


def test_the_seed_article_repairs_both_lost_byte_runs_from_their_pinyin(seed):
    assert "专家帮助指导下" in seed.text
    assert "与当地人社部门、企业、人力资源服务机构" in seed.text


def test_the_seed_article_loses_its_page_chrome_and_related_news(seed):
    text = "\n".join([seed.title, seed.date_line, seed.text, seed.byline])
    for chrome in (
        "亚洲资本网",
        "亞洲資本網",
        "ICP",
        "关键词",
        "专题新闻",
        "资料图片",
        "Copyright",
    ):
        assert chrome not in text
    for related in ("8月15日太阳能组件", "福斯特跌近5%", "蓝沙特斯"):
        assert related not in text
    assert any("专题新闻" in line for line in seed.removed)


def test_the_seed_article_is_simplified_and_keeps_its_body_title_date_and_byline(seed):
    assert "东西部协作" in seed.text
    assert "東西部協作" not in seed.text
    assert "松江" in seed.text
    for sentence in (
        "2023年3月10日,威信县党政代表团到松江区与松江区政府召开东西部协作工作座谈会。",
        "松江区还安排9个街镇分别结对威信县的9个乡镇",
        "威信县先后派出医务人员61名到上海帮扶医院进修护理管理",
        "执法车四辆,并于7月投入城市管理工作",
        "有组织向上海转移输出劳动力上千人。",
    ):
        assert sentence in seed.text
    assert len(seed.paragraphs) > 5
    assert seed.title == "云南威信:东西部协作强对接 筑牢“山海盟”"
    assert seed.date_line.startswith("2023-08-20 08:37:43来源")
    assert seed.byline == "（铁璘琪 文/图）"
    assert seed.paragraphs[-1].endswith("筑牢“山海盟”。")


PLAIN = """首页 > 新闻中心 > 东西部协作 > 正文
杭州市与恩施州召开东西部协作联席会议_杭州网
2024-05-12 09:30 来源:恩施日报
5月11日,杭州市党政代表团到恩施州考察,双方召开东西部协作联席会议。
会上,两地签订了劳务协作协议(2024—2025年),杭州市将帮助恩施州转移就业3000人。
（资料图片）
关键词:东西部协作 杭州 恩施
相关新闻
杭州某区举办招聘会 2024-05-01
Copyright © 2024 杭州网 版权所有 浙ICP备12345678号"""


def test_plain_simplified_text_passes_through_with_only_the_chrome_removed():
    article = clean(PLAIN)

    assert article.title == "杭州市与恩施州召开东西部协作联席会议"
    assert article.date_line == "2024-05-12 09:30 来源:恩施日报"
    assert article.paragraphs == [
        "5月11日,杭州市党政代表团到恩施州考察,双方召开东西部协作联席会议。",
        "会上,两地签订了劳务协作协议(2024—2025年),杭州市将帮助恩施州转移就业3000人。",
    ]
    assert article.repaired == 0
    assert "招聘会" not in article.text


def test_inserted_pinyin_is_stripped_but_real_parentheses_stay():
    text = "寧波(níng)與黔(qián)西南州簽(qiān)訂協作(xiézuò)協議(資料圖片)(app)"
    assert strip_pinyin(text) == "寧波與黔西南州簽訂協作協議(資料圖片)(app)"


def test_a_neutral_tone_syllable_is_stripped_only_after_a_character_that_reads_so():
    assert strip_pinyin("我們(men)的(de)") == "我們的"
    assert strip_pinyin("項目(men)") == "項目(men)"


def test_a_constructed_lost_byte_run_closed_by_a_pinyin_marker_is_repaired():
    phrase = "寧波與黔西南州簽訂勞務協作協議"
    garbled = simulate_misread(phrase, position=4, resync_at=9)
    assert "?qià)" in garbled

    assert repair_mojibake(garbled) == (phrase, 1)


def test_a_constructed_run_that_falls_back_in_step_at_an_ascii_byte_is_repaired():
    phrase = "杭州市幫扶恩施州醫療隊"  # 醫's trail byte is the letter t
    garbled = simulate_misread(phrase, position=2)
    assert garbled.endswith("t療隊")

    article = clean(garbled)

    assert article.text == "杭州市帮扶恩施州医疗队"
    assert article.repaired == 1


def test_an_unrepairable_run_is_dropped_without_leaving_a_question_mark():
    article = clean("杭州市2024?guī)椭笇?dǎo)下派教师。\n\n第二段。")

    assert article.paragraphs == ["杭州市2024下派教师。", "第二段。"]
    assert any("椭" in item for item in article.removed)


def test_a_text_cut_off_inside_pinyin_or_a_run_ends_cleanly():
    assert clean("杭州市張彤對(du").text == "杭州市张彤对"
    assert clean("杭州市張彤?du").text == "杭州市张彤"
    garbled = simulate_misread("寧波與黔西南州簽訂勞務協作協議", position=4, resync_at=9)
    cut = clean(garbled[: garbled.index("?qià)") + 8]).text
    assert cut.startswith("宁波与黔西南州")
    assert "?" not in cut
    assert not PRIVATE_USE.search(cut)


def test_a_text_cut_off_inside_a_character_decodes_what_came_before():
    data = "杭州市与恩施州".encode()
    assert decode(data[:-1]) == "杭州市与恩施"
    assert decode("杭州市與恩施州".encode("gbk")[:-1]).startswith("杭州市與恩施")


def test_gbk_and_utf8_with_bom_bytes_decode():
    assert decode("宁波与黔西南州".encode("gbk")) == "宁波与黔西南州"
    assert decode("\ufeff宁波与黔西南州".encode()) == "宁波与黔西南州"


def test_saved_html_gives_its_paragraphs_without_scripts():
    html = """<!doctype html><html><head><title>宁波帮扶黔西南 - 宁波网</title>
    <script>var x = "不要";</script><style>p {color: red}</style></head><body>
    <nav>首页 &gt; 新闻</nav><h1>宁波帮扶黔西南</h1>
    <p>宁波市向黔西南州捐赠物资&nbsp;100万元。</p><p>双方签订协议。<br>次年落实。</p>
    <footer>版权所有</footer></body></html>"""

    assert "不要" not in html_to_text(html)
    article = clean(html.encode("gbk"))

    assert article.title == "宁波帮扶黔西南"
    assert article.paragraphs == [
        "宁波市向黔西南州捐赠物资 100万元。",
        "双方签订协议。",
        "次年落实。",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"  \n ", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary")],
)
def test_empty_or_binary_input_is_refused_with_a_clear_message(data, message):
    with pytest.raises(ArticleError) as error:
        clean(data)
    assert error.value.code == message
    assert str(error.value)  # a sentence to show, in the active language


CJK_AND_PUNCTUATION = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from(list(",.;:!?-'\"、。，“”")),
    ),
    max_size=60,
)


@given(CJK_AND_PUNCTUATION)
def test_strip_pinyin_leaves_text_without_parentheses_unchanged(text):
    assert strip_pinyin(text) == text


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
            st.sampled_from(list("?()\nāíǔèüdaoguishTA ,\ue325\uf8ff")),
        ),
        max_size=80,
    )
)
def test_clean_never_leaves_private_use_characters_or_pinyin_markers(text):
    try:
        article = clean(text, is_html=False)
    except ArticleError:
        return
    output = "\n".join([article.title, article.date_line, article.text, article.byline])
    assert not PRIVATE_USE.search(output)
    assert not re.search(r"\?[a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]", output)
