"""Clean scraped Chinese news articles: decode, repair, de-pinyin, strip chrome, simplify.

Content farms run simplified text through a tool that converts it to traditional characters
and inserts tone-marked pinyin after some of them; where the tool misread two GBK bytes across
a character boundary it lost a byte and wrote nonsense until it fell back in step. See
``shared/reference/scrape-artifacts.md`` for the worked examples this module follows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from typing import Any

import opencc
from django.utils.translation import gettext as _
from pypinyin import Style, pinyin

__all__ = [
    "ArticleError",
    "CleanArticle",
    "clean",
    "decode",
    "html_to_text",
    "repair_mojibake",
    "strip_pinyin",
    "to_simplified",
]


class ArticleError(ValueError):
    """The input cannot be read as an article; *code* says why (empty, binary, encoding,
    control, no_text)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CleanArticle:
    title: str
    date_line: str
    paragraphs: list[str]
    byline: str
    removed: list[str] = field(default_factory=list)
    repaired: int = 0
    # Lines of the page's own header and footer that name its date, source, author or editors
    # (never the related-news list), and the site's name cut from the title: for the metadata.
    meta: list[str] = field(default_factory=list)
    site: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


# --- pinyin -------------------------------------------------------------------------------

_TONED = {
    "a": "āáǎà",
    "e": "ēéěè",
    "i": "īíǐì",
    "o": "ōóǒò",
    "u": "ūúǔù",
    "ü": "ǖǘǚǜ",
    "n": "ńňǹ",
    "m": "ḿ",
}
_BASE_OF = {toned: base for base, marks in _TONED.items() for toned in marks}
_BASE_OF.update({"ɑ": "a", "ɡ": "g", "v": "ü"})  # some tools write IPA ɑ/ɡ; v stands for ü
_TONE_MARKS = frozenset(_BASE_OF) - {"ɑ", "ɡ", "v"}
_PINYIN_LETTERS = "a-zü" + "".join(_TONED.values()) + "ɑɡ"
_LETTERS = f"[{_PINYIN_LETTERS}]"

_INITIAL = "(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])"
_FINAL = (
    "(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|üan|ai|ei|ao|ou|an|en|er|in|un|ün"
    "|ia|ie|iu|ua|uo|ui|üe|ue|a|o|e|i|u|ü)"
)
_SYLLABLE = re.compile(f"(?:{_INITIAL}?{_FINAL}|hng|hm|ng|n|m)+")

# `(xié)` right after a character; the group may hold several syllables.
_PINYIN_GROUP = re.compile(rf"\(({_LETTERS}{{1,24}})\)")
# A page cut off inside a group: `對(du`.
_CUT_GROUP = re.compile(rf"(?<=[^\s\x00-\x7f])\({_LETTERS}{{0,24}}\Z")


def _toneless(letters: str) -> str:
    return "".join(_BASE_OF.get(ch, ch) for ch in letters)


def _is_syllables(letters: str) -> bool:
    return _SYLLABLE.fullmatch(_toneless(letters)) is not None


@cache
def _readings(char: str) -> frozenset[str]:
    """Return the tone-marked readings of *char* (empty if pypinyin does not know it)."""
    if not _is_cjk(char):
        return frozenset()
    found = pinyin(char, heteronym=True, style=Style.TONE, errors="ignore")
    return frozenset(reading for reading in found[0] if reading) if found else frozenset()


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF


def _is_inserted_pinyin(letters: str, before: str) -> bool:
    """Tell a tool-inserted syllable from a real parenthesis such as `(app)` or `(资料图片)`."""
    letters = unicodedata.normalize("NFC", letters)
    if not before or not _is_cjk(before) or not _is_syllables(letters):
        return False
    if any(ch in _TONE_MARKS for ch in letters):
        return True
    # A toneless syllable counts only if it is a (neutral-tone) reading of the character.
    return letters in {_toneless(reading) for reading in _readings(before)}


def strip_pinyin(text: str) -> str:
    """Remove `(xié)`-style syllables inserted after characters; keep real parentheses."""
    text = unicodedata.normalize("NFC", text)

    def replace(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() else ""
        return "" if _is_inserted_pinyin(match.group(1), before) else match.group(0)

    text = _PINYIN_GROUP.sub(replace, text)
    return _CUT_GROUP.sub("", text)


# --- mojibake -----------------------------------------------------------------------------

_MARKER = re.compile(rf"\?({_LETTERS}{{1,8}})\)")
# `?du` at a cut-off end, or any other leftover marker.
_CUT_MARKER = re.compile(rf"\?{_LETTERS}+\)?|\?\)|\?\Z")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_TRAIL_BYTES = [*range(0x40, 0x7F), *range(0x80, 0xFF)]
_MAX_RUN = 400


def _gbk_char(lead: int, trail: int) -> str | None:
    try:
        char = bytes([lead, trail]).decode("gbk")
    except UnicodeDecodeError:
        return None
    return char if len(char) == 1 else None


def _chars_read_as(lead: int, syllable: str) -> list[tuple[int, str]]:
    """List (trail byte, character) for GBK characters with *lead* that read as *syllable*."""
    syllable = unicodedata.normalize("NFC", syllable)
    exact: list[tuple[int, str]] = []
    loose: list[tuple[int, str]] = []
    for trail in _TRAIL_BYTES:
        char = _gbk_char(lead, trail)
        if char is None or _PRIVATE_USE.match(char):
            continue
        readings = _readings(char)
        if syllable in readings:
            exact.append((trail, char))
        elif _toneless(syllable) in {_toneless(reading) for reading in readings}:
            loose.append((trail, char))
    return exact or loose


def _two_byte(char: str) -> bytes | None:
    try:
        encoded = char.encode("gb18030")
    except UnicodeEncodeError:
        return None
    return encoded if len(encoded) == 2 else None


def _char_before(text: str, index: int) -> str:
    """Return the source character before *index*, looking past an inserted pinyin group."""
    head = text[:index]
    group = re.search(rf"\({_LETTERS}{{1,24}}\)\Z", head)
    if group and _is_inserted_pinyin(group.group(0)[1:-1], head[group.start() - 1 : group.start()]):
        head = head[: group.start()]
    return head[-1:]


@dataclass
class _Run:
    garbled: bytes  # the misread run, re-encoded to GB18030
    end: int  # index in the text just after the run (after the closing marker if any)
    closing: str | None  # the syllable of the closing `?pinyin)`, if the run ends at one
    cut_off: bool  # the text ends inside the run


def _scan_run(text: str, start: int) -> _Run:
    """Collect the misread characters that follow an opening `?pinyin)` at *start*."""
    garbled = bytearray()
    index = start
    while index < len(text) and index - start < _MAX_RUN:
        closing = _MARKER.match(text, index)
        if closing:
            return _Run(bytes(garbled), closing.end(), closing.group(1), cut_off=False)
        group = _PINYIN_GROUP.match(text, index)
        if group and index > start:
            index = group.end()  # pinyin the tool added to a misread character
            continue
        char = text[index]
        if 0x40 <= ord(char) <= 0x7E:
            # A trail byte in the ASCII range is read alone: the tool is back in step after it.
            garbled.append(ord(char))
            return _Run(bytes(garbled), index + 1, None, cut_off=False)
        encoded = _two_byte(char) if char not in "\r\n" else None
        if encoded is None:
            return _Run(bytes(garbled), index, None, cut_off=False)
        garbled += encoded
        index += 1
    return _Run(bytes(garbled), index, None, cut_off=index >= len(text))


def _read_gbk(data: bytes) -> tuple[str, int | None] | None:
    """Decode *data* pairwise; return the text and a dangling lead byte, or None if invalid."""
    chars: list[str] = []
    index = 0
    while index < len(data):
        byte = data[index]
        if byte < 0x80:
            chars.append(chr(byte))
            index += 1
        elif index + 1 == len(data):
            return "".join(chars), byte
        else:
            char = _gbk_char(byte, data[index + 1])
            if char is None:
                return None
            chars.append(char)
            index += 2
    return "".join(chars), None


@cache
def _rarity(char: str, *, traditional: bool) -> int:
    """Score how unlikely *char* is in a repaired run, from 0 (common) up.

    GB2312 orders its characters by frequency (level 1 holds the 3,755 most common), and a
    page the tool converted to traditional characters holds no simplified-only forms.
    """
    if _PRIVATE_USE.match(char):
        return 10
    if char in "、。，；：！？“”‘’《》（）—…·":
        return 0
    if ord(char) < 0x80:
        return 2  # a lost byte is the lead of a character: ASCII here means misalignment
    simplified = to_simplified(char)
    other_form = _convert("s2t", char) if traditional else simplified
    penalty = 2 if other_form != char else 0
    try:
        encoded = simplified.encode("gb2312")
    except UnicodeEncodeError:
        return 3 + penalty
    if 0xB0 <= encoded[0] <= 0xD7:
        return penalty
    return (1 if 0xD8 <= encoded[0] <= 0xF7 else 3) + penalty


def _is_traditional(text: str) -> bool:
    cjk = [char for char in text if _is_cjk(char)]
    changed = sum(
        1 for old, new in zip(cjk, to_simplified("".join(cjk)), strict=False) if old != new
    )
    return changed > len(cjk) // 50


@cache
def _word_pairs() -> frozenset[str]:
    """Every two characters that stand side by side in a word of pypinyin's phrase list."""
    from pypinyin.phrases_dict import phrases_dict

    return frozenset(word[i : i + 2] for word in phrases_dict for i in range(len(word) - 1))


def _in_words(text: str) -> int:
    """How many neighbouring pairs of *text* are parts of words: 家门口 has 2, 家诱口 none."""
    simplified = to_simplified(text)
    pairs = _word_pairs()
    return sum(simplified[i : i + 2] in pairs for i in range(len(simplified) - 1))


def _readings_of_run(previous: str, syllable: str, run: _Run) -> list[str]:
    """Every text the run may have been: one per lost byte and character closing it."""
    encoded_previous = _two_byte(previous) if previous else None
    if encoded_previous is None:
        return []
    readings: list[str] = []
    for lost, _misread in _chars_read_as(encoded_previous[1], syllable):
        decoded = _read_gbk(bytes([lost]) + run.garbled)
        if decoded is None:
            continue
        repaired, dangling = decoded
        if dangling is not None:
            if run.closing is not None:
                readings += [repaired + char for _, char in _chars_read_as(dangling, run.closing)]
            elif run.cut_off:
                readings.append(repaired)
        elif run.closing is None:
            readings.append(repaired)
        # else: in step already; the marker opens another run, handled by the caller
    return readings


def _repair_run(
    previous: str, syllable: str, run: _Run, *, traditional: bool, following: str = ""
) -> str | None:
    """Recover the run's text from the lost byte and the closing marker, or None.

    Of the readings the bytes allow, the one whose characters are common and stand in words
    with their neighbours wins: 家门口 over 家诱口, 帮助 over 帮主.
    """
    best: tuple[int, str] | None = None
    for repaired in _readings_of_run(previous, syllable, run):
        rarity = sum(_rarity(char, traditional=traditional) for char in repaired)
        if rarity >= 10:
            continue
        score = rarity - 2 * _in_words(previous + repaired + following)
        if best is None or score < best[0]:
            best = (score, repaired)
    return None if best is None else best[1]


def _repair(text: str) -> tuple[str, int, list[str]]:
    out: list[str] = []
    dropped: list[str] = []
    repaired = 0
    index = 0
    traditional = _is_traditional(text)
    while (opening := _MARKER.search(text, index)) is not None:
        out.append(text[index : opening.start()])
        run = _scan_run(text, opening.end())
        previous = _char_before("".join(out), len("".join(out)))
        following = text[run.end : run.end + 1]
        fixed = _repair_run(
            previous, opening.group(1), run, traditional=traditional, following=following
        )
        if fixed is None and run.closing is not None:
            # The closing marker may really open the next run: retry without it.
            shorter = _Run(run.garbled, text.index("?", opening.end()), None, cut_off=False)
            fixed = _repair_run(
                previous, opening.group(1), shorter, traditional=traditional, following="?"
            )
            if fixed is not None:
                run = shorter
        if fixed is None:
            dropped.append(text[opening.start() : run.end])
        else:
            out.append(fixed)
            repaired += 1
        index = run.end
    out.append(text[index:])
    result = "".join(out)
    leftovers = _CUT_MARKER.findall(result) + _PRIVATE_USE.findall(result)
    dropped += leftovers
    result = _PRIVATE_USE.sub("", _CUT_MARKER.sub("", result))
    return result, repaired, dropped


def repair_mojibake(text: str) -> tuple[str, int]:
    """Repair runs where the pinyin tool lost a GBK byte; drop those that cannot be repaired.

    Return the text and how many runs were repaired.
    """
    result, repaired, _dropped = _repair(unicodedata.normalize("NFC", text))
    return result, repaired


# --- decoding and HTML --------------------------------------------------------------------


def _decode_allowing_cut_tail(data: bytes, encoding: str, tail: int) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        # A page cut off in the middle of a character: drop the incomplete tail only.
        if error.start >= len(data) - tail:
            try:
                return data[: error.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        return None


def decode(data: bytes) -> str:
    """Decode article bytes as UTF-8 (BOM or not), else GB18030."""
    if not data.strip():
        raise ArticleError(_("The article is empty."), code="empty")
    if b"\x00" in data:
        raise ArticleError(
            _("The article is not text: it contains NUL bytes (a binary file?)."), code="binary"
        )
    text = _decode_allowing_cut_tail(data, "utf-8-sig", 3)
    if text is None:
        text = _decode_allowing_cut_tail(data, "gb18030", 3)
    if text is None:
        raise ArticleError(
            _("The article could not be decoded as UTF-8 or GB18030/GBK text."), code="encoding"
        )
    controls = sum(
        1 for char in text if unicodedata.category(char) == "Cc" and char not in "\t\n\r"
    )
    if controls > max(2, len(text) // 100):
        raise ArticleError(
            _("The article is not text: it is full of control characters."), code="control"
        )
    return text


_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "title",
        "tr",
        "ul",
    ]
)
_SKIPPED_TAGS = frozenset(
    [
        "script",
        "style",
        "nav",
        "footer",
        "noscript",
        "template",
        "iframe",
        "svg",
        "select",
        "button",
        "form",
        "head",
    ]
)


# Page parts, by class or id, that are never the article: menus, breadcrumbs, share buttons …
_CHROME_CLASS = re.compile(
    r"nav|menu|breadcrumb|crumb|position|location|share|tools?\b|toolbar|footer|header|sidebar"
    r"|side-?bar|related|recommend|search|logo|copyright|comment|pager|pagination|qrcode|ad\b|ads\b",
    re.I,
)
_VOID_TAGS = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"]
)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = [[]]
        self.open: list[tuple[str, bool]] = []  # every open element and whether it is skipped
        self.skipped = 0
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag not in _VOID_TAGS:
            names = " ".join(value or "" for key, value in attrs if key in ("class", "id"))
            skip = tag in _SKIPPED_TAGS or bool(names and _CHROME_CLASS.search(names))
            self.open.append((tag, skip))
            self.skipped += skip
        if tag in _BLOCK_TAGS:
            self.blocks.append([])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.blocks.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif any(name == tag for name, _ in self.open):
            while self.open:
                name, skip = self.open.pop()
                self.skipped -= skip
                if name == tag:
                    break
        if tag in _BLOCK_TAGS:
            self.blocks.append([])

    def handle_data(self, data: str) -> None:
        if self.in_title or not self.skipped:
            self.blocks[-1].append(data)


def html_to_text(html: str) -> str:
    """Turn a saved HTML page into text, one block (paragraph, heading, item) per paragraph."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    blocks = (re.sub(r"\s+", " ", "".join(parts)).strip() for parts in parser.blocks)
    return "\n\n".join(block for block in blocks if block)


_HTML_HINT = re.compile(r"<(?:!doctype|html|head|body|p|div|br|span|h[1-6]|article)\b", re.I)


# --- simplification -----------------------------------------------------------------------


@cache
def _converter(config: str) -> Any:
    # Built on first use (loading the dictionaries takes a moment), then kept.
    return opencc.OpenCC(config)


def _convert(config: str, text: str) -> str:
    return str(_converter(config).convert(text))


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified ones (OpenCC t2s)."""
    return _convert("t2s", text)


# --- chrome -------------------------------------------------------------------------------

_DATE = r"(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)"
_DATE_LINE = re.compile(
    rf"^\s*(?:(?:发布|发表|更新)?时间[:：]?\s*)?{_DATE}(?:\s*\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?"
    r"\s*(?:(?:来源|作者|编辑|浏览|发布)[:：].{0,40})*$"
)
# A page's information line in its other shapes: 【发布时间：2024-03-08】 【来源：普洱日报】,
# 日期：2023-11-06 来源：… 作者：…, 2022年12月5日 星期一 来源：团结报,
# 《乌兰察布日报》2021年11月19日 第02版, … 浏览次数：1286 …: a short line with a whole date and
# no sentence in it.
_ANY_DATE = re.compile(rf"{_DATE}|\d{{4}}\.\d{{1,2}}\.\d{{1,2}}")
_NOT_INFO = re.compile(r"[，,。！？!?；;]")


def _is_date_line(line: str) -> bool:
    if _DATE_LINE.match(line):
        return True
    return len(line) <= 100 and not _NOT_INFO.search(line) and bool(_ANY_DATE.search(line))


_SOURCE_LINE = re.compile(r"^\s*(?:来源|作者)[:：].{0,40}$")
_BREADCRUMB = re.compile(r"^(?:(?:当前位置|您的位置|你的位置)[:：]|.{0,60}[>＞›»].{0,60}正文\s*$)")
_BREADCRUMB_SEPARATORS = re.compile(r"\s[>＞›»]\s|[>＞›»]")
_CAPTION = re.compile(r"[(（]\s*(?:资料图片?|图片来源[^)）]{0,30}|图源[^)）]{0,30}|配图)\s*[)）]")
_TOOLS = re.compile(
    r"^\s*【?(?:字体|字号)\s*[:：]|^\s*(?:分享到|分享至|扫一扫|返回顶部|上一篇|下一篇|打印本页|关闭窗口)"
    r"|【(?:打印|关闭|收藏)】"
)
# A photo's caption: 会议现场。记者 罗娟 摄
_PHOTO_CAPTION = re.compile(r"^.{0,40}?(?:记者|通讯员)?\s*[\u4e00-\u9fff]{2,4}\s*摄\s*$")
_KEYWORDS = re.compile(r"^\s*(?:关键词|关键字|标签|tags?)\s*[:：]", re.I)
_RELATED = re.compile(
    r"^\s*【?(?:专题新闻|相关新闻|相关阅读|相关文章|相关报道|推荐阅读|延伸阅读|热点新闻|热门推荐"
    r"|热门文章|猜你喜欢|更多新闻|最新新闻|精彩推荐|为你推荐)】?\s*[:：]?\s*$"
)
_FOOTER = re.compile(
    r"ICP\s*[备证]|版权所有|copyright|©|all rights reserved|联系我们|联系网站|免责声明"
    r"|公网安备|违法和不良信息|举报电话|举报邮箱",
    re.I,
)
_EDITOR = re.compile(r"^\s*[(（\[【]?\s*(?:责任编辑|责编|编辑|审核|校对)\s*[:：]")
_TRAILING_EDITOR = re.compile(
    r"\s*[(（\[【]\s*(?:责任编辑|责编|编辑)\s*[:：][^)）\]】]{0,20}[)）\]】]\s*$"
)
_BYLINE = re.compile(
    r"\s*[(（]\s*([^()（）]{0,30}?(?:文/图|文／图|文、图|图/文|图文|摄影?|供图|文|图|报道"
    r"|通讯员[^()（）]{0,20}|记者[^()（）]{0,20}))\s*[)）]\s*$"
)
_TITLE_SUFFIX = re.compile(
    r"\s*(?:[_|｜]|\s[-–—]\s)\s*(?P<site>[^_|｜]{1,20}?"
    r"(?:网|网站|新闻|资讯|频道|在线|日报|晚报|报|门户|政府))\s*$"
)
# What a news outlet's name ends with: 固原日报, 北仑新闻网, 庄浪县融媒体中心 (bylines name it).
OUTLET_SUFFIX = r"(?:日报|晚报|报社?|网|电视台|融媒体中心|融媒|新闻中心|杂志)"
# A byline on a line of its own: 记者 张三 李四 / 文/图：王五 / 通讯员 赵六.
_BYLINE_LINE = re.compile(
    r"^[□■▲◆●◎]?[(（]?\s*(?:本报讯\s*)?"
    rf"(?:[\u4e00-\u9fff]{{2,8}}{OUTLET_SUFFIX})?"
    r"(?:全媒体|融媒体|见习|特约|首席)?"
    r"(?:记者|通讯员|特约记者|实习生|作者|撰稿|撰文|文/图|文／图|图/文|文|图|摄影?)"
    r"\s*[:：/／｜|]?\s*[\u4e00-\u9fff·]{2,5}(?:[\s、，,]+(?:(?:记者|通讯员|实习生|摄影?|文/图|文|图)"
    r"\s*[:：/／｜|]?\s*)?[\u4e00-\u9fff·]{2,5}){0,5}\s*[)）]?$"
)
_SENTENCE_END = re.compile(r"[。！？!?；;…]\s*[”’\"』」]?\s*$")


def _is_breadcrumb(line: str) -> bool:
    if _BREADCRUMB.search(line):
        return True
    return len(_BREADCRUMB_SEPARATORS.findall(line)) >= 2 and len(line) <= 80 and "。" not in line


def _is_chrome(line: str) -> bool:
    return bool(
        _is_breadcrumb(line)
        or _KEYWORDS.match(line)
        or _FOOTER.search(line)
        or _EDITOR.match(line)
        or _SOURCE_LINE.match(line)
        or _TOOLS.search(line)
        or _PHOTO_CAPTION.match(line)
        or _CAPTION.fullmatch(line.strip())
    )


def _strip_title_suffix(title: str) -> tuple[str, str]:
    """Return the title without its site suffixes, and the first suffix's site name."""
    previous = None
    site = ""
    while previous != title:
        previous = title
        found = _TITLE_SUFFIX.search(title)
        if found:
            site = site or found.group("site").strip()
            title = title[: found.start()].strip()
    return (title, site) if title else (previous, "")


def _looks_like_title(line: str) -> bool:
    return len(line) <= 80 and not _SENTENCE_END.search(line) and not _is_date_line(line)


@dataclass
class _Parts:
    title: str = ""
    site: str = ""
    date_line: str = ""
    body: list[str] = field(default_factory=list)
    byline: str = ""
    removed: list[str] = field(default_factory=list)
    meta: list[str] = field(default_factory=list)


def _split(lines: list[str]) -> _Parts:
    """Split cleaned lines into title, date line, body paragraphs, byline and removed chrome."""
    removed: list[str] = []
    meta: list[str] = []
    kept: list[str] = []
    for position, line in enumerate(lines):
        if _RELATED.match(line):
            removed += lines[position:]
            break
        if _is_chrome(line):
            removed.append(line)
            if _SOURCE_LINE.match(line) or _EDITOR.match(line):
                meta.append(line)
            continue
        without_caption = _CAPTION.sub("", line).strip()
        if without_caption != line:
            removed.append(line)
            if not without_caption:
                continue
        kept.append(without_caption)

    parts = _Parts(removed=removed, meta=meta)
    body = parts.body
    bylines: list[str] = []
    for line in kept:
        if not body and not parts.date_line and _is_date_line(line):
            parts.date_line = line
        elif _is_date_line(line) and len(line) <= 60:
            removed.append(line)
            if not parts.date_line and not any(_is_date_line(m) for m in meta):
                meta.append(line)  # the page's date line, after a menu left in the text
        elif not body and not parts.title and not parts.date_line and _looks_like_title(line):
            parts.title, parts.site = _strip_title_suffix(line)
        elif parts.title and not body and _strip_title_suffix(line)[0] == parts.title:
            removed.append(line)  # the <title> and the <h1> both give the title
        elif _BYLINE_LINE.match(line):
            bylines.append(line)
        else:
            body.append(line)
    if parts.title and not body:
        parts.body = body = [parts.title]
        parts.title = ""

    if body:
        editor = _TRAILING_EDITOR.search(body[-1])
        if editor:
            removed.append(editor.group(0).strip())
            meta.append(editor.group(0).strip())
            body[-1] = body[-1][: editor.start()]
        found = _BYLINE.search(body[-1])
        if found:
            bylines.append(f"（{found.group(1).strip()}）")
            body[-1] = body[-1][: found.start()].rstrip()
        parts.body = [paragraph for paragraph in body if paragraph]
    parts.byline = " ".join(bylines)
    return parts


def _tidy(text: str) -> str:
    """Guarantee no leftover markers or private-use characters anywhere in the output."""
    return _PRIVATE_USE.sub("", _CUT_MARKER.sub("", text)).strip()


def clean(data: bytes | str, *, is_html: bool | None = None) -> CleanArticle:
    """Clean a scraped article given as bytes or text, plain or saved HTML."""
    text = decode(data) if isinstance(data, bytes) else data
    if not text.strip():
        raise ArticleError(_("The article is empty."), code="empty")
    if is_html is None:
        is_html = _HTML_HINT.search(text[:5000]) is not None
    if is_html:
        text = html_to_text(text)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    # Repair first: it needs the `?pinyin)` markers and the pinyin inserted inside runs.
    text, repaired, removed = _repair(text)
    text = to_simplified(strip_pinyin(text))
    lines = [re.sub(r"[ \t\u3000\xa0]+", " ", line).strip() for line in text.split("\n")]
    parts = _split([line for line in lines if line])
    paragraphs = [tidy for paragraph in parts.body if (tidy := _tidy(paragraph))]
    if not paragraphs and not parts.title:
        raise ArticleError(_("The article has no text left after cleaning."), code="no_text")
    return CleanArticle(
        title=_tidy(parts.title),
        date_line=_tidy(parts.date_line),
        paragraphs=paragraphs,
        byline=_tidy(parts.byline),
        removed=removed + parts.removed,
        repaired=repaired,
        meta=[_tidy(line) for line in parts.meta],
        site=_tidy(parts.site),
    )
