"""Text folding and tokenization shared by the rule files and the report text.

Rule words and report text go through the same ``fold`` so that an analyst can
write a word the way a dictionary spells it and still match the way a worker
types it on a cheap phone:

* Unicode compatibility decomposition (full-width letters, ligatures), then case folding;
* invisible format characters are dropped (zero-width spaces, bidi overrides), so
  they cannot be used to split a word and slip it past the rules;
* Latin accents are stripped, so Vietnamese typed without diacritics, French or
  Spanish without accents, all match; ``đ`` becomes ``d``;
* in Devanagari and Gurmukhi, nukta, nasal marks and addak are dropped and long
  i/u vowels are folded into short ones, the common spelling variations;
* ``n't`` becomes ``nt`` (``didn't`` = ``didnt``, as typed in SMS); other
  apostrophes separate words (French ``l'``, ``m'``);
* runs of a repeated Latin vowel collapse (``maalik`` = ``malik``,
  ``pleeease`` = ``please``; also ``need`` = ``ned``, harmless as rules fold alike).

Chinese has no spaces: runs of Han characters are segmented by forward maximum
matching over the rule lexicon plus the analyst's extra segmentation words, so a
rule word only matches where the segmenter would cut a word (``打`` "hit" does
not match inside ``打工`` "to work" once ``打工`` is listed).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

_INVISIBLE = "\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_FORMAT_CHARS = re.compile(f"[{_INVISIBLE}]")
_NT = re.compile("n['\u2019\u2018`\u02bc]t\\b")
# Invisible format characters vanish (they could split a word, see _FORMAT_CHARS); apostrophes
# and "_" separate words.
_SEPARATING = ("'", "\u2019", "\u2018", "`", "\u02bc", "_")
# Latin letters with no decomposition, which the accent stripping would otherwise lose.
_UNDECOMPOSABLE = (("\u0111", "d"), ("\u0153", "oe"), ("\u00e6", "ae"), ("\u00f8", "o"), ("\u0142", "l"))
_LATIN_MARK_CHARS = "".join(map(chr, range(0x300, 0x370)))
# Folded Latin text as one byte per character: ASCII as itself, the combining accents, the
# apostrophes, the letters of _UNDECOMPOSABLE and the commonest invisible characters. Text with
# any other character takes the general path.
_LATIN_CHARS = (
    "".join(map(chr, range(128)))
    + _LATIN_MARK_CHARS
    + "".join(_SEPARATING[1:3] + _SEPARATING[4:5])
    + "".join(letter for letter, _ in _UNDECOMPOSABLE)
    + "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
)
_LATIN_MAP = codecs.charmap_build(_LATIN_CHARS)
_LATIN_BYTE = {char: bytes([i]) for i, char in enumerate(_LATIN_CHARS)}
# Separators become spaces, invisible characters and accents vanish, one-letter plain forms
# replace their letters; the two-letter ones are _LATIN_EXPAND.
_LATIN_TABLE = bytes(range(256)).translate(
    bytes.maketrans(
        b"".join(_LATIN_BYTE[char] for char in _SEPARATING)
        + b"".join(_LATIN_BYTE[letter] for letter, plain in _UNDECOMPOSABLE if len(plain) == 1),
        b" " * len(_SEPARATING)
        + b"".join(plain.encode() for plain in (p for _, p in _UNDECOMPOSABLE) if len(plain) == 1),
    )
)
_LATIN_DELETE = b"".join(
    _LATIN_BYTE[char] for char in _LATIN_MARK_CHARS + "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
)
_LATIN_EXPAND = tuple((_LATIN_BYTE[letter], plain.encode()) for letter, plain in _UNDECOMPOSABLE if len(plain) > 1)
_NOT_LATIN = re.compile("[^\x00-\x7f\u0300-\u036f]")
_LATIN_MARKS = re.compile("[\u0300-\u036f]")
_DOUBLE_VOWELS = (("aa", "a"), ("ee", "e"), ("ii", "i"), ("oo", "o"), ("uu", "u"))
# Folded ASCII text splits on everything but letters and digits: the same words as _TOKEN, much faster.
_ASCII_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_INDIC = re.compile("[\u0900-\u0a7f]")
# Traditional Chinese characters folded to Simplified (reports from Hong Kong, Taiwan and Cantonese
# speakers): the common characters of workplace accounts, one to one, so a rule word written once
# reads both scripts. Not a converter: a character missing here is simply left as typed.
_TRADITIONAL = (
    "們個來說話這樣還沒為會時間錢給讓對從後過裡裏經週電門關開鎖鐵鏈鍊護證業資費減調廁"
    "幫殺傷醫應該學頭腳體實發現見覺聽聲買賣車團國邊農場廠麼雞魚豬馬報罵負嚇脅強姦親褲"
    "脫傳訊簡單帳債貸鐘險藥樓橋槍燒燙斷暈診許離簽舉訴勞動權維議闆僱傭紹請問題嗎張塊點"
    "兩萬歲氣熱凍環衛髒亂擠蟲頂戶燈蓋壞爛舊貴難辦幹運駛載裝廚師飯盤務員園溫養線機絕總"
    "隊組長領導監檢據錄攝視頻聞讀寫語認識誰別無論歡愛驚慘憂鬱盡結終煩惱擔衝壓夾劃劑噴"
    "灑鏡趕緊鑰銬綁繩欄圍牆籬彈騙搶罰係並處準備帶進與號鬧聯繫纔紅錯鬆復複鋪舖臉頸腦臟"
    "腸嘔遲罷辭職換轉賺餘稅級紙約雖誘騷擾摟審臥貼擁濕黴睏鬥滅淚"
)
_SIMPLIFIED = (
    "们个来说话这样还没为会时间钱给让对从后过里里经周电门关开锁铁链链护证业资费减调厕"
    "帮杀伤医应该学头脚体实发现见觉听声买卖车团国边农场厂么鸡鱼猪马报骂负吓胁强奸亲裤"
    "脱传讯简单账债贷钟险药楼桥枪烧烫断晕诊许离签举诉劳动权维议板雇佣绍请问题吗张块点"
    "两万岁气热冻环卫脏乱挤虫顶户灯盖坏烂旧贵难办干运驶载装厨师饭盘务员园温养线机绝总"
    "队组长领导监检据录摄视频闻读写语认识谁别无论欢爱惊惨忧郁尽结终烦恼担冲压夹划剂喷"
    "洒镜赶紧钥铐绑绳栏围墙篱弹骗抢罚系并处准备带进与号闹联系才红错松复复铺铺脸颈脑脏"
    "肠呕迟罢辞职换转赚余税级纸约虽诱骚扰搂审卧贴拥湿霉困斗灭泪"
)
_TRAD_TO_SIMP = str.maketrans(_TRADITIONAL, _SIMPLIFIED)
_TRADITIONAL_CHAR = re.compile(f"[{_TRADITIONAL}]")
# Devanagari and Gurmukhi: nukta, candrabindu, anusvara, bindi, tippi and addak are dropped
# (often omitted or misplaced when typing); long i/u vowels and their signs read as short.
_INDIC_DROP = ("\u093c", "\u0901", "\u0902", "\u0a3c", "\u0a01", "\u0a02", "\u0a70", "\u0a71")
_INDIC_SHORTEN = (
    ("\u0940", "\u093f"),
    ("\u0942", "\u0941"),
    ("\u0908", "\u0907"),
    ("\u090a", "\u0909"),
    ("\u0a40", "\u0a3f"),
    ("\u0a42", "\u0a41"),
    ("\u0a08", "\u0a07"),
    ("\u0a0a", "\u0a09"),
)
_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{_HAN_CLASS}]+")
_HAN_ONLY = re.compile(f"[{_HAN_CLASS}]+\\Z")
# Devanagari and Gurmukhi blocks, vowel signs included (\w leaves them out); the dandas
# (U+0964, U+0965) are punctuation and end a word.
_INDIC_SIGNS = "\u0900-\u0963\u0966-\u097f\u0a00-\u0a7f"
_TOKEN = re.compile(f"[\\w{_INDIC_SIGNS}]+")


def _indic_bytes(block: int) -> tuple[Any, bytes, str]:
    """A one-byte encoding of ASCII plus one Indic block (its assigned characters and the
    dandas), and the table turning every byte that is not a _TOKEN character into a space."""
    chars = "".join(map(chr, range(128))) + "".join(
        char
        for char in map(chr, range(block, block + 128))
        if unicodedata.category(char) != "Cn" and char not in "\u0964\u0965"
    )
    chars += "\u0964\u0965"
    if len(chars) > 256:
        raise ValueError("an Indic block does not fit in one byte per character")
    space = chars.index(" ")
    separators = bytes(i if _TOKEN.fullmatch(chars[i]) else space for i in range(len(chars)))
    separators += bytes(range(len(chars), 256))
    return codecs.charmap_build(chars), separators, chars


# Devanagari, then Gurmukhi (which writes its sentences with the Devanagari danda).
_INDIC_BYTES = (_indic_bytes(0x0900), _indic_bytes(0x0A00))
# A Han run, or a run of other word characters.
_HAN_OR_WORD = re.compile(f"[{_HAN_CLASS}]+|(?:[^\\W{_HAN_CLASS}]|[{_INDIC_SIGNS}])+")
_HAN_FIRST = re.compile(f"[{_HAN_CLASS}]")
# The same split as _HAN_OR_WORD, with the Han run (group 1) told apart from the word (group 2).
_HAN_RUN_OR_WORD = re.compile(f"([{_HAN_CLASS}]+)|((?:[^\\W{_HAN_CLASS}]|[{_INDIC_SIGNS}])+)")


def fold(text: str) -> str:
    """The matching form of ``text`` (see the module docstring for what is folded)."""
    return collapse_runs(fold_surface(text))


def fold_surface(text: str) -> str:
    """Everything ``fold`` does except collapsing vowel runs: the form matched words are quoted in.

    Collapsing only removes a letter next to an identical letter, so the surface form
    and the folded form always split into the same number of tokens.
    """
    if text.isascii():
        # Fast path for the common case (English, and SMS typed without accents).
        text = text.lower()
        return _NT.sub("nt", text) if "'" in text or "`" in text else text
    # NFKD both maps compatibility forms (full-width letters, ligatures) and splits accents
    # off their letters, in one pass; its quick check makes it cheap on text already in form.
    if _is_latin1(text):
        # Same result (see _is_latin1), one decomposition fewer, case folded on the short form.
        text = unicodedata.normalize("NFKD", text.casefold())
    else:
        text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    text = _NT.sub("nt", text)
    try:
        latin = codecs.charmap_encode(text, "strict", _LATIN_MAP)[0]
    except UnicodeEncodeError:
        pass
    else:
        # Only ASCII, combining accents, apostrophes, the letters of _UNDECOMPOSABLE and some
        # invisible characters (French, Spanish, Vietnamese): every step below, as bytes, at C speed.
        latin = latin.translate(_LATIN_TABLE, _LATIN_DELETE)
        for letter_byte, plain_bytes in _LATIN_EXPAND:
            if letter_byte in latin:
                latin = latin.replace(letter_byte, plain_bytes)
        return latin.decode("ascii")
    if _FORMAT_CHARS.search(text):
        text = _FORMAT_CHARS.sub("", text)
    for mark in _SEPARATING:
        if mark in text:
            text = text.replace(mark, " ")
    for letter, plain in _UNDECOMPOSABLE:
        if letter in text:
            text = text.replace(letter, plain)
    if not _NOT_LATIN.search(text):
        # Only ASCII and combining accents left: drop the accents at C speed.
        return text.encode("ascii", "ignore").decode("ascii")
    text = _LATIN_MARKS.sub("", text)
    if _TRADITIONAL_CHAR.search(text):
        text = text.translate(_TRAD_TO_SIMP)
    if _INDIC.search(text):
        for sign in _INDIC_DROP:
            if sign in text:
                text = text.replace(sign, "")
        for long, short in _INDIC_SHORTEN:
            if long in text:
                text = text.replace(long, short)
    return text


def _is_latin1(text: str) -> bool:
    """True when every character of ``text`` is below U+0100.

    For such text ``NFKD(casefold(text))`` equals ``NFKD(casefold(NFKD(text)))``: no Latin-1
    character decomposes to a leading combining mark, case folding is per character and leaves
    the marks they decompose to alone, and the two agree on each of the 256 characters.
    """
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def collapse_runs(text: str) -> str:
    """Collapse runs of a repeated Latin vowel: ``maalik`` = ``malik``, ``pleeease`` = ``please``."""
    # str.replace is an order of magnitude faster than a back-referencing regex here.
    for double, single in _DOUBLE_VOWELS:
        while double in text:
            text = text.replace(double, single)
    return text


def _split(folded: str) -> list[str]:
    if folded.isascii():
        return folded.translate(_ASCII_SEPARATORS).split()
    indic = _INDIC.search(folded)
    if indic is not None:
        # Devanagari or Gurmukhi with ASCII: one byte per character, separators to spaces at
        # C speed, then the same split as for ASCII (other text takes the regular expression).
        encoding, separators, decoding = _INDIC_BYTES[indic.group() >= "\u0a00"]
        try:
            data = codecs.charmap_encode(folded, "strict", encoding)[0]
        except UnicodeEncodeError:
            pass
        else:
            return codecs.charmap_decode(data.translate(separators), "strict", decoding)[0].split()
    return _TOKEN.findall(folded)


def is_han(word: str) -> bool:
    """True when ``word`` is made only of Han (Chinese) characters."""
    return bool(_HAN_ONLY.match(word))


def split_words(folded: str) -> list[str]:
    """The words of already-folded text, each Han run kept whole (rule words are not segmented)."""
    if _HAN_RUN.search(folded):
        folded = _HAN_RUN.sub(r" \g<0> ", folded)
    return _split(folded)


class Segmenter:
    """Forward maximum matching over a fixed lexicon, for text without spaces."""

    def __init__(self, words: Iterable[str]) -> None:
        words = [word for word in words if len(word) > 1]
        starts: dict[str, set[int]] = {}
        for word in words:
            starts.setdefault(word[:2], set()).add(len(word))
        self._words = frozenset(words)
        # For each first two characters, the lengths of lexicon words starting with them, longest
        # first. Every lexicon word has at least two characters, so a position whose two
        # characters start no word is a one-character token after a single probe.
        self._starts = {pair: tuple(sorted(ls, reverse=True)) for pair, ls in starts.items()}

    @property
    def lexicon(self) -> frozenset[str]:
        """The words this segmenter cuts Han runs into (each of two characters or more)."""
        return self._words

    def segment(self, run: str) -> list[str]:
        """Cut a run of Han characters into lexicon words and single characters."""
        out: list[str] = []
        self._segment_into(run, out)
        return out

    def _segment_into(self, run: str, out: list[str]) -> None:
        # At each position the longest lexicon word starting there, else one character. Runs of
        # one-character tokens are copied in one slice; a slice running past the end is shorter
        # and can only equal a shorter word, which its own length would find anyway.
        starts, words = self._starts, self._words
        get = starts.get
        last = len(run) - 1
        i = done = 0
        while i < last:
            sizes = get(run[i : i + 2])
            if sizes is not None:
                for size in sizes:
                    word = run[i : i + size]
                    if word in words:
                        if done < i:
                            out.extend(run[done:i])
                        out.append(word)
                        i += size
                        done = i
                        break
                else:
                    i += 1
            else:
                i += 1
        if done < len(run):
            out.extend(run[done:])

    def tokens(self, folded: str) -> list[str]:
        """All tokens of folded text that contains Han characters: Han runs segmented, other words kept."""
        out: list[str] = []
        append = out.append
        segment_into = self._segment_into
        for han, word in _HAN_RUN_OR_WORD.findall(folded):
            if han:
                segment_into(han, out)
            else:
                append(word)
        return out


def tokenize(folded: str, segmenter: Segmenter) -> list[str]:
    """The tokens of already-folded text, Han runs segmented into words."""
    if folded.isascii() or not _HAN_RUN.search(folded):
        return _split(folded)
    return segmenter.tokens(folded)
