"""Read and write Moodle's GIFT question format.

``parse_gift(text)`` turns a GIFT file into :class:`quizzes.questions.Question` objects and
``write_gift(questions)`` turns them back into GIFT that Moodle imports. The rules followed are
those of Moodle's own importer (``question/format/gift/format.php``) and of the "GIFT format"
page of Moodle's documentation; docs/gift.md lists what is read, what is refused and why.

In short, as Moodle does it:

* Questions are separated by blank lines. Every line is trimmed; a line whose first non-blank
  characters are ``//`` is a comment (inside a question it counts as a line holding a space).
* ``\\~ \\= \\# \\{ \\} \\:`` are literal characters, ``\\n`` is a newline and ``\\\\`` a
  backslash; any other backslash is kept as it is.
* ``::title::`` opens a question; ``[html]``, ``[markdown]``, ``[plain]`` or ``[moodle]`` before
  the text sets its format, and before an answer, a feedback or a matching item that part's
  own format (the question's when there is none); the answers are between the one pair of braces.
* Texts are stripped of the characters PHP's ``trim()`` removes (space, tab, newlines, NUL and
  vertical tab), nothing else.
* ``$CATEGORY: $course$/top/a/b`` puts the questions after it in the category Moodle would use,
  named ``a/b`` here (:func:`category_name`); ``// [id:...] [tag:...]`` in a question's comments
  are its ID number and tags.
* In a numerical question, ``~#feedback`` at the end (what Moodle's export writes) or an answer
  ``*`` is the "any other answer" (:class:`quizzes.questions.OtherAnswer`).

Where Moodle would quietly import something other than what the author evidently meant (a
second answer block, a weight it ignores, answers after a numerical "any other answer"),
``parse_gift`` raises :class:`GiftError` with the line and a plain explanation instead.
"""
from __future__ import annotations

import decimal
import math
import re
from decimal import Decimal

from quizzes.questions import KINDS, TEXT_FORMATS, Choice, MatchPair, NumericAnswer, OtherAnswer, Question

__all__ = ["GiftError", "GiftWriteError", "category_name", "parse_gift", "write_gift"]


class GiftError(ValueError):
    """A GIFT file that cannot be read: ``line`` (1-based) and a plain-English ``message``."""

    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"

    def __reduce__(self):
        return (type(self), (self.line, self.message))


class GiftWriteError(ValueError):
    """A question that GIFT cannot carry faithfully: ``index`` (0-based) in the list given to
    :func:`write_gift`, and ``message``."""

    def __init__(self, index: int, message: str):
        self.index = index
        self.message = message
        super().__init__(f"question {index + 1}: {message}")

    def __str__(self) -> str:
        return f"question {self.index + 1}: {self.message}"

    def __reduce__(self):
        return (type(self), (self.index, self.message))


# --------------------------------------------------------------------------- shared rules

_WS = " \t\n\r\0\x0b"  # exactly what PHP's trim() strips, hence what Moodle strips
_TF_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_ESCAPE_RE = re.compile(r"\\[\\:#={}~n]")
_MASK = "\x01\x01"  # same length as an escape; neither whitespace nor GIFT syntax
_ESCAPE_TABLE = str.maketrans(
    {"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:", "\n": "\\n"}
)
# A weight as Moodle reads it: /^%\-*([0-9]{1,2})\.?([0-9]*)%/ (one minus sign at most here).
_WEIGHT_RE = re.compile(r"-?[0-9]{1,2}\.?[0-9]*\Z")
# Something between % signs that was evidently meant as a weight but is not one Moodle reads.
_WEIGHTISH_RE = re.compile(r"[\s0-9.,+\-eE]*[0-9][\s0-9.,+\-eE]*\Z")
# A number as PHP's is_numeric() accepts it (Moodle checks numerical answers with it).
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
# Moodle reads "[id:...]" and "[tag:...]" in a question's comment lines as its ID number and tags
# (extract_idnumber_and_tags_from_comment: the first [id:], every [tag:], "\]" for "]").
_IDNUMBER_RE = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG_RE = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])+)\]")
# A category path as Moodle splits it (split_category_path): at a '/' that is not part of '//',
# and '//' is a '/' inside a name. A first name such as $course$, $system$, $module$ or $cat1$
# names the context, not a category.
_CATEGORY_SPLIT_RE = re.compile(r"(?<!/)/(?!/)")
_CONTEXT_RE = re.compile(r"\$[a-z]+[0-9]*\$\Z")
_EQUALS_RE = re.compile("=")
_CHOICE_RE = re.compile("[~=]")
# Exact decimal arithmetic for weights and numerical answers (enough digits for any double).
_CTX = decimal.Context(prec=1200, traps=[decimal.InvalidOperation, decimal.Overflow, decimal.DivisionByZero])


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    return _ESCAPE_RE.sub(lambda m: "\n" if m.group()[1] == "n" else m.group()[1], raw)


def _mask(raw: str) -> str:
    """The text with every escape sequence replaced by two neutral characters, so that a search
    for ``{``, ``#``, ``::``... finds only the characters that are syntax; offsets are kept."""
    if "\\" not in raw:
        return raw
    return _ESCAPE_RE.sub(_MASK, raw)


def _split_format(raw: str) -> tuple[str | None, str]:
    """A leading ``[html]``/``[markdown]``/``[plain]``/``[moodle]`` and the rest (raw, stripped
    text in). Moodle recognises only these four lowercase names; anything else is text."""
    if raw.startswith("["):
        end = raw.find("]")
        if end > 0 and raw[1:end] in TEXT_FORMATS:
            return raw[1:end], raw[end + 1 :]
    return None, raw


def _text(raw: str) -> tuple[str | None, str]:
    """Moodle's parse_text_with_format: the format named at the start, if any, and the text."""
    fmt, rest = _split_format(raw.strip(_WS))
    return fmt, _unescape(rest).strip(_WS)


def _split_category(path: str) -> list[str]:
    return [n.replace("//", "/").strip(_WS) for n in _CATEGORY_SPLIT_RE.split(path.strip(_WS))]


def _below_top(names: list[str]) -> list[str]:
    """The names below Moodle's "top" category: Moodle puts every category under the context's
    "top" and skips a name "top" on the way; the context ($course$...) is not a category."""
    names = [n for n in names if n != "top"]
    while names and _CONTEXT_RE.match(names[0]):
        names = names[1:]
    return names


def _category_path(names: list[str]) -> str:
    """Moodle's assemble_category_path: '/' in a name doubled, names joined with '/'."""
    last = len(names) - 1
    escaped = []
    for i, name in enumerate(names):
        name = name.replace("/", "//")
        # Between two names, a space keeps a name's own '//' apart from the separating '/'.
        if i > 0 and name.startswith("/"):
            name = " " + name
        if i < last and name.endswith("/"):
            name += " "
        escaped.append(name)
    return "/".join(escaped)


def category_name(path: str) -> str:
    """The Amicus name of the category that Moodle would put questions in after
    ``$CATEGORY: path``: the path below "top", without the context prefix (``$course$``,
    ``$system$``, ``$module$``, ``$cat1$``...), nested names joined with '/' (a '/' inside a
    name written '//'). ``""`` when the path names no category below "top"; empty names are
    left out. ``category_name(category_name(p)) == category_name(p)``."""
    return _category_path(_below_top([n for n in _split_category(path) if n]))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _percent(fraction: float) -> str:
    return f"{float(Decimal(repr(fraction)).scaleb(2, _CTX)):g}%"


def _choices_problem(kind: str, choices: list[Choice]) -> str | None:
    """What is wrong with the answers of a question of ``kind``, or None. Shared by the reader
    and the writer, so that whatever one accepts the other does too."""
    for c in choices:
        if not -1.0 <= c.fraction <= 1.0:
            return f"the weight {_percent(c.fraction)} of '{c.text}' is outside -100% to 100%"
    if kind in ("single", "multi"):
        if len(choices) < 2:
            return f"a multiple choice question needs at least 2 choices; this one has {len(choices)}"
    if kind == "single" and not any(c.fraction == 1.0 for c in choices):
        return "none of the choices is right: mark the right one with = (or give it ~%100%)"
    if kind == "multi":
        positive = [c.fraction for c in choices if c.fraction > 0]
        if not positive:
            return (
                "none of the choices gives any credit: mark the right one with =, "
                "or give the right ones weights such as ~%50%"
            )
        total = round(math.fsum(positive), 2)
        if total > 1.0:
            return (
                f"the positive weights add up to {total * 100:g}%, more than 100% "
                "(Moodle refuses such a multiple-answer question)"
            )
    if kind == "short":
        if not choices:
            return "a short answer question needs at least one accepted answer"
        for c in choices:
            if c.fraction < 0:
                return f"the short answer '{c.text}' has a negative weight; use 0% to 100%"
        if not any(c.fraction == 1.0 for c in choices):
            return "no answer gives full marks: at least one short answer must be worth 100%"
    return None


def _numeric_problem(answers: list[NumericAnswer], other: OtherAnswer | None) -> str | None:
    if not answers:
        if other is not None:
            return "a numerical question needs at least one number besides '*' (any other answer)"
        return "a numerical question needs at least one answer"
    for a in answers:
        if not 0.0 <= a.fraction <= 1.0:
            return f"the weight {_percent(a.fraction)} of a numerical answer is outside 0% to 100%"
    if other is not None and not 0.0 <= other.fraction <= 1.0:
        return f"the weight {_percent(other.fraction)} of the answer '*' (any other answer) is outside 0% to 100%"
    if not any(a.fraction == 1.0 for a in answers):
        return "no answer gives full marks: at least one numerical answer must be worth 100%"
    return None


def _pairs_problem(pairs: list[MatchPair]) -> str | None:
    if len(pairs) < 3:
        return f"a matching question needs at least 3 pairs; this one has {len(pairs)}"
    if sum(1 for p in pairs if p.left) < 2:
        return (
            "a matching question needs at least 2 pairs with an item on the left of '->' "
            "(a pair with nothing on the left is only an extra wrong answer)"
        )
    return None


# --------------------------------------------------------------------------------- reader


def parse_gift(text: str) -> list[Question]:
    """Read a GIFT file (str, or UTF-8 bytes; BOM and CRLF/CR line ends accepted).

    Returns the questions in file order; an empty or comment-only file gives ``[]``. Raises
    :class:`GiftError`, and nothing else, when the file cannot be read faithfully.
    """
    if text is None:
        return []
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = _decode(bytes(text))
    if not isinstance(text, str):
        raise GiftError(0, f"expected the text of a GIFT file, got {type(text).__name__}")
    try:
        return _parse(text)
    except GiftError:
        raise
    except Exception as exc:  # pragma: no cover - a bug; report it as a GIFT error, not a crash
        raise GiftError(0, f"internal error while reading the file ({type(exc).__name__}: {exc})") from exc


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise GiftError(1, "the file is UTF-16; save it as UTF-8, which is what Moodle and Amicus read")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise GiftError(
            line, f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        ) from None


def _parse(text: str) -> list[Question]:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    questions: list[Question] = []
    category = ""
    chunk: list[tuple[int, str]] = []
    number = 0
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip(_WS)
        if stripped:
            chunk.append((number, stripped))
        elif chunk:
            category = _read_chunk(chunk, category, questions)
            chunk = []
    if chunk:
        _read_chunk(chunk, category, questions)
    return questions


def _read_chunk(chunk: list[tuple[int, str]], category: str, questions: list[Question]) -> str:
    """One run of non-blank lines: a category change, a question, or only comments."""
    content = [(n, s) for n, s in chunk if not s.startswith("//")]
    if not content:
        return category
    first_line, first = content[0]
    if first.startswith("$CATEGORY:"):
        if len(content) > 1:
            raise GiftError(
                content[1][0],
                "a $CATEGORY line must be followed by a blank line "
                "(Moodle would read this line as part of the category's name)",
            )
        path = first[len("$CATEGORY:") :].strip(_WS)
        if not path:
            return ""
        names = _split_category(path)
        if "" in names:
            raise GiftError(
                first_line,
                f"the category path '{path}' has an empty name between two '/' (Moodle would make "
                "a category with no name); write '//' for a '/' inside a name",
            )
        names = _below_top(names)
        # Only the context and "top": Moodle finds no category to change to and keeps the current one.
        return _category_path(names) if names else category
    if first.startswith("$question->"):
        raise GiftError(
            first_line,
            "'$question->...' is PHP, not GIFT: Moodle would import this line as a description. "
            "GIFT cannot make a short answer case-sensitive; remove the line",
        )
    for n, s in content[1:]:
        if s.startswith("$CATEGORY:"):
            raise GiftError(n, "a $CATEGORY line must have a blank line before it and after it")
    last_line = content[-1][0]
    parts = []
    comments = []
    for n, s in chunk:
        if s.startswith("//"):
            comments.append(s)
            if first_line < n < last_line:
                parts.append(" ")  # what Moodle puts in place of a comment line
        elif n <= last_line:
            parts.append(s)
    question = _Reader("\n".join(parts), first_line, category).question()
    if comments:
        question.idnumber, question.tags = _idnumber_and_tags("\n".join(comments))
    questions.append(question)
    return category


def _idnumber_and_tags(comments: str) -> tuple[str, list[str]]:
    """Moodle's ID number (the first ``[id:...]``) and tags (every ``[tag:...]``, empty ones
    left out) in a question's comment lines."""
    found = _IDNUMBER_RE.search(comments)
    idnumber = found.group(1).strip(_WS).replace("\\]", "]") if found else ""
    tags = [m.group(1).strip(_WS).replace("\\]", "]") for m in _TAG_RE.finditer(comments)]
    return idnumber, [t for t in tags if t]


class _Reader:
    """Reads the text of one question (its lines trimmed and joined with newlines).

    ``raw`` is the text as written, ``skel`` the same text with escapes masked; every search for
    syntax is made in ``skel`` and every value is cut from ``raw`` at the same offsets.
    """

    def __init__(self, raw: str, line: int, category: str):
        self.raw = raw
        self.skel = _mask(raw)
        self.line = line
        self.category = category
        self.format = "moodle"
        self.block = 0

    # -- helpers

    def error(self, pos: int, message: str) -> GiftError:
        return GiftError(self.line + self.raw.count("\n", 0, max(pos, 0)), message)

    def strip(self, a: int, b: int) -> tuple[int, int]:
        piece = self.raw[a:b]
        left = piece.lstrip(_WS)
        a += len(piece) - len(left)
        return a, a + len(left.rstrip(_WS))

    def formatted(self, a: int, b: int) -> tuple[str, str]:
        """The text between ``a`` and ``b`` and its own format: the format tag in front of it
        when that differs from the question's, else "" (the question's, which is Moodle's
        default for every part). An empty text has no format of its own."""
        fmt, value = _text(self.raw[a:b])
        return value, ("" if fmt is None or fmt == self.format or not value else fmt)

    def plain(self, a: int, b: int) -> str:
        """The text between ``a`` and ``b``, any format tag dropped: Moodle keeps no format for
        a short answer or a numerical answer."""
        return _text(self.raw[a:b])[1]

    def weight(self, s: int, e: int, default: float | None) -> tuple[float | None, int]:
        """A ``%n%`` weight at ``s``: (fraction, where the answer then starts), or
        (default, s) when there is none. Text between % signs that looks like a number but is
        not a weight Moodle reads is an error rather than answer text."""
        raw = self.raw
        if not raw.startswith("%", s):
            return default, s
        end = raw.find("%", s + 1, e)
        if end < 0:
            return default, s
        inner = raw[s + 1 : end]
        if _WEIGHT_RE.match(inner):
            value = Decimal(inner)
            if not -100 <= value <= 100:
                raise self.error(s, f"the weight %{inner}% is outside -100% to 100%")
            return float(value.scaleb(-2, _CTX)), end + 1
        if _WEIGHTISH_RE.match(inner):
            raise self.error(
                s,
                f"'%{inner}%' is not a weight Moodle can read: write a percentage from -100 to 100 "
                "between two % signs, such as %50% or %-33.33333%",
            )
        return default, s  # e.g. "%abc%": Moodle reads it as answer text

    def pieces(self, a: int, b: int, marks: re.Pattern) -> list[tuple[str, int, int]]:
        """Cut ``a:b`` at the unescaped characters matched by ``marks``: (mark, start, end)
        triples, the first with mark '' for what comes before the first mark."""
        out = []
        start, mark = a, ""
        for m in marks.finditer(self.skel, a, b):
            out.append((mark, start, m.start()))
            start, mark = m.end(), m.group()
        out.append((mark, start, b))
        return out

    # -- the question

    def question(self) -> Question:
        raw, skel = self.raw, self.skel
        q = Question(kind="", text="", category=self.category, line=self.line)
        pos = 0
        if skel.startswith("::"):
            end = skel.find("::", 2)
            if end < 0:
                raise self.error(
                    0, "the title is not closed: it starts with '::' and must end with '::' "
                    "(write \\: for a colon in a title)"
                )
            q.title = _unescape(raw[2:end]).strip(_WS)
            pos = end + 2

        opening = skel.find("{", pos)
        closing = skel.find("}", pos)
        if opening < 0 and closing < 0:
            fmt, q.text = _text(raw[pos:])
            q.text_format = fmt or "moodle"
            if not q.text:
                raise self.error(pos, "this question has no text and no answers")
            q.kind = "description"
            return q
        if opening < 0 or 0 <= closing < opening:
            raise self.error(
                closing, "'}' without a '{' before it (write \\} for a literal closing brace)"
            )
        if closing < 0:
            raise self.error(
                opening,
                "the '{' that starts the answers is never closed by '}' "
                "(write \\{ for a literal opening brace)",
            )
        self.block = opening
        nested = skel.find("{", opening + 1, closing)
        if nested >= 0:
            raise self.error(
                nested,
                f"a second '{{' inside the answers opened on line {self.error(opening, '').line}; "
                "is a '}' missing? (write \\{ for a literal brace)",
            )
        again = skel.find("{", closing + 1)
        if again >= 0:
            raise self.error(
                again,
                "a second answer block: a question has one {...} only. Is a blank line missing "
                "between two questions? (write \\{ for a literal brace)",
            )
        stray = skel.find("}", closing + 1)
        if stray >= 0:
            raise self.error(stray, "'}' without a '{' before it (write \\} for a literal closing brace)")

        # General feedback: after the last "####" of the block.
        a, b = opening + 1, closing
        gf_at = skel.rfind("####", a, b)
        if gf_at >= 0:
            a, b = self.strip(a, gf_at)
        else:
            a, b = self.strip(a, b)
        kind = self.kind(a, b)

        # The question text; with text after the block, Moodle's "missing word" format.
        after = raw[closing + 1 :].strip(_WS)
        if after and kind in ("single", "short"):
            fmt, q.text = _text(raw[pos:opening])
            q.text_after = _unescape(after).strip(_WS)
            q.missingword_kind = kind
            q.kind = "missingword"
        else:
            # Moodle puts a blank (five underscores) where the block was, whatever the kind.
            fmt, q.text = _text(raw[pos:opening] + ("_____" + raw[closing + 1 :] if after else ""))
            q.kind = kind
        q.text_format = self.format = fmt or "moodle"
        if gf_at >= 0:
            q.general_feedback, q.general_feedback_format = self.formatted(gf_at + 4, closing)

        if kind in ("single", "multi"):
            q.choices = self.choices(a, b, kind)
        elif kind == "short":
            q.choices = self.short_answers(a, b)
        elif kind == "truefalse":
            q.choices = self.truefalse(a, b)
        elif kind == "numerical":
            q.numeric, q.other_answer = self.numeric(a, b)
        elif kind == "matching":
            q.pairs = self.pairs(a, b)
        return q

    def kind(self, a: int, b: int) -> str:
        """Moodle's order of tests on the answer block, general feedback removed."""
        if a == b:
            return "essay"
        seg = self.skel[a:b]
        if seg[0] == "#":
            return "numerical"
        if "~" in seg:
            return "single" if "=" in seg else "multi"
        if "=" in seg and "->" in seg:
            return "matching"
        hash_at = seg.find("#")
        head = self.raw[a : a + hash_at] if hash_at > 0 else self.raw[a:b]
        return "truefalse" if head.strip(_WS) in _TF_WORDS else "short"

    def choices(self, a: int, b: int, kind: str) -> list[Choice]:
        pieces = self.pieces(a, b, _CHOICE_RE)
        if pieces[0][1] < pieces[0][2]:
            raise self.error(
                a, "text before the first answer: each answer starts with = (right) or ~ (wrong)"
            )
        choices = []
        for number, (mark, start, end) in enumerate(pieces[1:], 1):
            s, e = self.strip(start, end)
            if s == e:
                raise self.error(start - 1, f"answer {number} is empty: nothing after '{mark}'")
            if mark == "=":
                fraction, after = self.weight(s, e, None)
                if after != s:
                    raise self.error(
                        s,
                        "in a multiple choice question Moodle ignores a weight after '=' "
                        "(it would become part of the answer): write ~%50%answer instead",
                    )
                fraction = 1.0
            else:
                fraction, s = self.weight(s, e, 0.0)
            choices.append(self.answer(s, e, number, fraction, plain=False))
        problem = _choices_problem(kind, choices)
        if problem:
            raise self.error(self.block, problem)
        return choices

    def answer(self, s: int, e: int, number: int, fraction: float, plain: bool) -> Choice:
        """An answer and its ``#feedback``, each with its own format (``plain``: the answer's
        format tag is dropped, as Moodle does for short answers)."""
        hash_at = self.skel.find("#", s, e)
        end = hash_at if hash_at >= 0 else e
        text, text_format = (self.plain(s, end), "") if plain else self.formatted(s, end)
        if not text:
            raise self.error(s, f"answer {number} has no text")
        feedback, feedback_format = self.formatted(hash_at + 1, e) if hash_at >= 0 else ("", "")
        return Choice(text, fraction, feedback, text_format, feedback_format)

    def short_answers(self, a: int, b: int) -> list[Choice]:
        pieces = self.pieces(a, b, _EQUALS_RE)
        if not self.raw[pieces[0][1] : pieces[0][2]].strip(_WS):
            pieces = pieces[1:]  # documented: a single answer may be written without '='
        answers = []
        for number, (_, start, end) in enumerate(pieces, 1):
            s, e = self.strip(start, end)
            if s == e:
                raise self.error(start, f"answer {number} is empty: nothing after '='")
            fraction, s = self.weight(s, e, 1.0)
            answers.append(self.answer(s, e, number, fraction, plain=True))
        problem = _choices_problem("short", answers)
        if problem:
            raise self.error(self.block, problem)
        return answers

    def truefalse(self, a: int, b: int) -> list[Choice]:
        skel = self.skel
        first = skel.find("#", a, b)
        head_end = first if first >= 0 else b
        correct = _TF_WORDS[self.raw[a:head_end].strip(_WS)]
        wrong = right = ("", "")
        if first >= 0:
            second = skel.find("#", first + 1, b)
            wrong = self.formatted(first + 1, second if second >= 0 else b)
            if second >= 0:
                right = self.formatted(second + 1, b)
        # Moodle: the first feedback is shown for a wrong answer, the second for a right one.
        true, false = (right, wrong) if correct else (wrong, right)
        return [
            Choice("true", float(correct), true[0], feedback_format=true[1]),
            Choice("false", float(not correct), false[0], feedback_format=false[1]),
        ]

    def numeric(self, a: int, b: int) -> tuple[list[NumericAnswer], OtherAnswer | None]:
        """The numerical answers and the "any other answer", if there is one."""
        a += 1  # the '#'
        other = None
        tilde = self.skel.find("~", a, b)
        if tilde >= 0:
            # As Moodle reads it: everything from the first '~' on is the "any other answer".
            other = self.other_answer(tilde, b)
            a, b = self.strip(a, tilde)
        pieces = self.pieces(a, b, _EQUALS_RE)
        if not self.raw[pieces[0][1] : pieces[0][2]].strip(_WS):
            pieces = pieces[1:]
        if not pieces:
            raise self.error(a, "a numerical question needs at least one answer, such as {#3:0.5}")
        answers = []
        for number, (_, start, end) in enumerate(pieces, 1):
            s, e = self.strip(start, end)
            if s == e:
                raise self.error(start, f"answer {number} is empty: nothing after '='")
            fraction, s = self.weight(s, e, 1.0)
            hash_at = self.skel.find("#", s, e)
            value = self.plain(s, hash_at if hash_at >= 0 else e)
            feedback, feedback_format = self.formatted(hash_at + 1, e) if hash_at >= 0 else ("", "")
            if value.startswith("*"):
                self.check_star(value, s, other, last=number == len(pieces))
                other = OtherAnswer(fraction, feedback, feedback_format)
                continue
            low, high, written_as = self.number_range(value, s, number)
            answers.append(NumericAnswer(low, high, fraction, feedback, written_as, feedback_format))
        problem = _numeric_problem(answers, other)
        if problem:
            raise self.error(self.block, problem)
        return answers, other

    def other_answer(self, tilde: int, b: int) -> OtherAnswer:
        """``~#feedback`` ending a numerical question: Moodle stores it as an answer '*' worth 0%
        with that feedback. Moodle drops whatever stands between '~' and '#', and reads a '~' or
        an '=' after it as feedback text: both are refused here."""
        skel = self.skel
        for mark, problem in (
            ("~", "a second '~': a numerical question has one 'any other answer'"),
            ("=", "an answer after the '~' (any other answer), which Moodle would read as part of "
                  "its feedback: put the '~' last"),
        ):
            at = skel.find(mark, tilde + 1, b)
            if at >= 0:
                raise self.error(at, f"{problem} (write \\{mark} for a literal '{mark}')")
        hash_at = skel.find("#", tilde + 1, b)
        head = self.raw[tilde + 1 : hash_at if hash_at >= 0 else b].strip(_WS)
        if head:
            raise self.error(
                tilde,
                f"Moodle would drop '{head}' after '~': in a numerical question '~' gives the "
                "feedback for any other answer, after '#', as in ~#Sorry (write \\~ for a literal '~')",
            )
        feedback, feedback_format = self.formatted(hash_at + 1, b) if hash_at >= 0 else ("", "")
        return OtherAnswer(0.0, feedback, feedback_format)

    def check_star(self, value: str, pos: int, other: OtherAnswer | None, last: bool) -> None:
        """An answer '*' (any other answer), as Moodle's editing form and importer take it."""
        if value != "*":
            raise self.error(pos, f"'{value}': '*' alone means any other answer; it takes no tolerance or range")
        if other is not None:
            raise self.error(pos, "two 'any other answer's, '*' and '~': keep one")
        if not last:
            raise self.error(
                pos, "'*' (any other answer) matches every number, so Moodle would never reach the "
                "answers after it: put it last"
            )

    def number_range(self, value: str, pos: int, number: int) -> tuple[float, float, str]:
        if not value:
            raise self.error(pos, f"answer {number} has no number")
        dots = value.find("..")
        colon = value.find(":")
        try:
            if dots > 0:
                low = self.number(value[:dots].strip(_WS), pos, "the lower end of the range")
                high = self.number(value[dots + 2 :].strip(_WS), pos, "the upper end of the range")
                if low > high:
                    raise self.error(pos, f"the range {value} goes downwards: write the lower end first")
                return float(low), float(high), "range"
            if colon > 0:
                centre = self.number(value[:colon].strip(_WS), pos, "the answer")
                tolerance = self.number(value[colon + 1 :].strip(_WS), pos, "the tolerance")
                if tolerance < 0:
                    raise self.error(pos, f"the tolerance in {value} is negative")
                low = float(_CTX.subtract(centre, tolerance))
                high = float(_CTX.add(centre, tolerance))
                if not (math.isfinite(low) and math.isfinite(high)):
                    raise self.error(pos, f"the numbers in {value} are too large")
                return low, high, "tolerance"
            centre = self.number(value, pos, "the answer")
            return float(centre), float(centre), "tolerance"
        except decimal.DecimalException:
            raise self.error(pos, f"the numbers in {value} are too large or too small") from None

    def number(self, text: str, pos: int, what: str) -> Decimal:
        if not _NUMBER_RE.match(text):
            raise self.error(
                pos, f"{what}, '{text}', is not a number (numbers are written like 3, -2.5 or 1e-3)"
            )
        value = Decimal(text)
        if not math.isfinite(float(value)):
            raise self.error(pos, f"{what}, '{text}', is too large")
        return value

    def pairs(self, a: int, b: int) -> list[MatchPair]:
        pieces = self.pieces(a, b, _EQUALS_RE)
        if pieces[0][1] < pieces[0][2]:
            raise self.error(a, "text before the first pair: each matching pair starts with '='")
        pairs = []
        skel = self.skel
        for number, (_, start, end) in enumerate(pieces[1:], 1):
            s, e = self.strip(start, end)
            arrow = skel.find("->", s, e)
            if arrow < 0:
                raise self.error(
                    start, f"matching pair {number} has no '->' between the item and its match"
                )
            hash_at = skel.find("#", s, e)
            if hash_at >= 0:
                raise self.error(
                    hash_at,
                    "matching pairs cannot have feedback (write \\# for a literal #); "
                    "general feedback goes at the end, after ####",
                )
            _, after_weight = self.weight(s, arrow, None)
            if after_weight != s:
                raise self.error(s, "matching pairs cannot have weights")
            left, left_format = self.formatted(s, arrow)
            right = _unescape(self.raw[arrow + 2 : e].strip(_WS)).strip(_WS)
            if not right:
                raise self.error(arrow, f"matching pair {number} has nothing after '->'")
            pairs.append(MatchPair(left, right, left_format))
        problem = _pairs_problem(pairs)
        if problem:
            raise self.error(self.block, problem)
        return pairs


# --------------------------------------------------------------------------------- writer


class _Refused(Exception):
    pass


def write_gift(questions: list[Question]) -> str:
    """GIFT for ``questions``, which Moodle imports and :func:`parse_gift` reads back equal
    (apart from ``line``). Raises :class:`GiftWriteError` for a question GIFT cannot carry."""
    blocks = []
    category = ""
    for index, q in enumerate(questions):
        try:
            block = _idnumber_and_tags_line(q) + _write_question(q)
            if q.category != category:
                _check_text(q.category, "the category")
                if "\n" in q.category:
                    raise _Refused("the category has a line break; it must fit on one line")
                read_as = category_name(q.category)
                if read_as != q.category:
                    raise _Refused(
                        f"the category '{q.category}' would be read back as '{read_as}', the category "
                        "Moodle would use (see quizzes.gift.category_name)"
                    )
                blocks.append(f"$CATEGORY: {q.category}" if q.category else "$CATEGORY:")
                category = q.category
        except _Refused as exc:
            raise GiftWriteError(index, str(exc)) from None
        blocks.append(block)
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _check_text(value: object, what: str) -> None:
    if not isinstance(value, str):
        raise _Refused(f"{what} is not text")
    if "\r" in value:
        raise _Refused(f"{what} contains a carriage return (\\r); GIFT keeps only \\n line breaks")
    if value != value.strip(_WS):
        raise _Refused(
            f"{what} starts or ends with whitespace, which GIFT does not keep: strip it first"
        )


def _esc(text: str) -> str:
    return text.translate(_ESCAPE_TABLE)


def _idnumber_and_tags_line(q: Question) -> str:
    """Moodle's ``// [id:...] [tag:...]`` comment line, or "" when the question has neither."""
    if not isinstance(q, Question):
        return ""
    _check_text(q.idnumber, "the ID number")
    if not isinstance(q.tags, list):
        raise _Refused("the tags are not a list")
    for tag in q.tags:
        _check_text(tag, "a tag")
        if not tag:
            raise _Refused("a tag is empty")
    if not q.idnumber and not q.tags:
        return ""
    bits = ["[id:" + q.idnumber.replace("]", "\\]") + "]"] if q.idnumber else []
    bits += ["[tag:" + tag.replace("]", "\\]") + "]" for tag in q.tags]
    line = "// " + " ".join(bits)
    # What Moodle reads back is the proof: control characters, '<>`' in a tag, a backslash
    # before ']' or an '[id:' inside a tag would be read otherwise.
    if "\n" in line or _idnumber_and_tags(line) != (q.idnumber, q.tags):
        raise _Refused(
            "GIFT cannot write this ID number or these tags so that Moodle reads them back the same "
            "(control characters, '<', '>' or '`' in a tag, '[id:' in a tag, '\\' before ']')"
        )
    return line + "\n"


def _check_format(own: object, text: str, fmt: str, what: str) -> None:
    """A part's own format: "" (the question's), or another of TEXT_FORMATS on a non-empty text."""
    if own == "":
        return
    if own not in TEXT_FORMATS:
        raise _Refused(f"unknown text format {own!r} of {what}; expected one of {', '.join(TEXT_FORMATS)}")
    if own == fmt:
        raise _Refused(f"the format of {what} is the question's own: leave it empty (\"\")")
    if not text:
        raise _Refused(f"{what} is empty, so it has no format of its own (Moodle keeps none)")


def _part(text: str, own: str, fmt: str, weight_too: bool = False) -> str:
    """A part's escaped text, after its own format tag when it has one (as Moodle's
    write_questiontext writes it), else after :func:`_guarded`."""
    return f"[{own}]{_esc(text)}" if own else _guarded(text, fmt, weight_too)


def _guarded(text: str, fmt: str, weight_too: bool = False) -> str:
    """Escaped text, preceded by its question's format tag when it starts with something the
    reader would otherwise take as a format tag (or, for answers, as a weight)."""
    if text.startswith("[") or (weight_too and text.startswith("%")):
        return f"[{fmt}]{_esc(text)}"
    return _esc(text)


def _weight_text(fraction: float) -> str:
    return format(Decimal(repr(fraction)).scaleb(2, _CTX).normalize(_CTX), "f")


def _number_text(value: Decimal) -> str:
    if value == 0:
        return "0"
    value = value.normalize(_CTX)
    if -7 <= value.adjusted() <= 21:
        return format(value, "f")
    return str(value)


def _numeric_text(answer: NumericAnswer) -> str:
    low, high = Decimal(repr(answer.low)), Decimal(repr(answer.high))
    if answer.written_as == "range":
        return f"{_number_text(low)}..{_number_text(high)}"
    centre = _CTX.divide(_CTX.add(low, high), 2)
    tolerance = _CTX.divide(_CTX.subtract(high, low), 2)
    if tolerance == 0:
        return _number_text(centre)
    return f"{_number_text(centre)}:{_number_text(tolerance)}"


def _check_fraction(value: object, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _Refused(f"{what} must be a finite number")


def _write_question(q: Question) -> str:
    if not isinstance(q, Question):
        raise _Refused(f"expected a Question, got {type(q).__name__}")
    kind = q.kind
    if kind not in KINDS:
        raise _Refused(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if q.text_format not in TEXT_FORMATS:
        raise _Refused(f"unknown text format {q.text_format!r}; expected one of {', '.join(TEXT_FORMATS)}")
    for value, what in (
        (q.title, "the title"),
        (q.text, "the text"),
        (q.text_after, "the text after the blank"),
        (q.general_feedback, "the general feedback"),
        (q.category, "the category"),
    ):
        _check_text(value, what)
    if q.case_sensitive:
        raise _Refused("GIFT cannot say that a short answer is case-sensitive")
    if kind != "missingword" and (q.text_after or q.missingword_kind):
        raise _Refused("only a missingword question has text after the blank or a missingword_kind")
    uses_choices = kind in ("single", "multi", "truefalse", "short", "missingword")
    if q.choices and not uses_choices:
        raise _Refused(f"a {kind} question has no choices")
    if (q.numeric or q.other_answer is not None) and kind != "numerical":
        raise _Refused(f"a {kind} question has no numerical answers")
    if q.pairs and kind != "matching":
        raise _Refused(f"a {kind} question has no matching pairs")
    fmt = q.text_format
    sub_kind = q.missingword_kind if kind == "missingword" else kind
    for number, c in enumerate(q.choices, 1):
        if not isinstance(c, Choice):
            raise _Refused(f"choice {number} is not a Choice")
        _check_text(c.text, f"answer {number}")
        _check_text(c.feedback, f"the feedback of answer {number}")
        _check_fraction(c.fraction, f"the weight of answer {number}")
        if not c.text:
            raise _Refused(f"answer {number} is empty")
        if c.text_format and sub_kind in ("short", "truefalse"):
            raise _Refused(f"answer {number} cannot have a format of its own: Moodle keeps none for "
                           "a short answer or a true/false answer")
        _check_format(c.text_format, c.text, fmt, f"answer {number}")
        _check_format(c.feedback_format, c.feedback, fmt, f"the feedback of answer {number}")
    _check_format(q.general_feedback_format, q.general_feedback, fmt, "the general feedback")

    head = f"::{_esc(q.title)}::" if q.title else ""
    tag = "" if fmt == "moodle" else f"[{fmt}]"
    if not tag and (
        q.text.startswith("[")
        or (not q.title and q.text.startswith(("//", "$question->", "\ufeff")))
    ):
        tag = "[moodle]"  # keeps the text from being read as a format tag, a comment or a BOM
    opening = head + tag + _esc(q.text)
    opening = opening + " {" if opening else "{"
    gf = f"####{_part(q.general_feedback, q.general_feedback_format, fmt)}" if q.general_feedback else ""

    if kind == "description":
        if not q.text:
            raise _Refused("a description needs some text")
        if q.general_feedback:
            raise _Refused("a description has no answers, hence no general feedback in GIFT")
        return head + tag + _esc(q.text)
    if kind == "essay":
        return f"{opening}{gf}}}"
    if kind == "truefalse":
        return opening + _truefalse_block(q.choices, fmt) + gf + "}"
    if kind == "numerical":
        return opening + _numeric_block(q.numeric, q.other_answer, fmt, gf)
    if kind == "matching":
        return opening + _matching_block(q.pairs, fmt, gf)
    after = ""
    sub = kind
    if kind == "missingword":
        if q.missingword_kind not in ("single", "short"):
            raise _Refused("missingword_kind must be 'single' (choices) or 'short' (typed answers)")
        if not q.text_after:
            raise _Refused("a missingword question needs text after the blank (otherwise use "
                           f"kind {q.missingword_kind!r})")
        sub = q.missingword_kind
        after = " " + _esc(q.text_after)
    problem = _choices_problem(sub, q.choices)
    if problem:
        raise _Refused(problem)
    if sub == "short":
        return opening + _short_block(q.choices, fmt, gf) + after
    return opening + _choice_block(q.choices, sub, fmt, gf) + after


def _feedback(text: str, own: str, fmt: str) -> str:
    return f"#{_part(text, own, fmt)}" if text else ""


def _truefalse_block(choices: list[Choice], fmt: str) -> str:
    if (
        len(choices) != 2
        or choices[0].text != "true"
        or choices[1].text != "false"
        or {choices[0].fraction, choices[1].fraction} != {0.0, 1.0}
    ):
        raise _Refused(
            "a truefalse question has two choices, 'true' then 'false', one worth 1.0 and the "
            "other 0.0"
        )
    true, false = choices
    right, wrong = (true, false) if true.fraction == 1.0 else (false, true)
    out = "TRUE" if right is true else "FALSE"
    # Moodle: {TRUE#feedback for a wrong answer#feedback for a right answer}
    if wrong.feedback:
        out += "#" + _part(wrong.feedback, wrong.feedback_format, fmt)
    elif right.feedback:
        out += "#"
    if right.feedback:
        out += "#" + _part(right.feedback, right.feedback_format, fmt)
    return out


def _choice_block(choices: list[Choice], kind: str, fmt: str, gf: str) -> str:
    marks = []
    for c in choices:
        if kind == "single" and c.fraction == 1.0:
            marks.append("=")
        elif c.fraction == 0:
            marks.append("~")
        else:
            marks.append(f"~%{_weight_text(c.fraction)}%")
    if "~" not in "".join(m[0] for m in marks):
        marks[-1] = "~%100%"  # every choice right: one '~' keeps it a multiple choice question
    lines = [
        f"\t{mark}{_part(c.text, c.text_format, fmt, weight_too=True)}"
        f"{_feedback(c.feedback, c.feedback_format, fmt)}"
        for mark, c in zip(marks, choices, strict=True)
    ]
    if gf:
        lines.append("\t" + gf)
    return "\n" + "\n".join(lines) + "\n}"


def _short_block(choices: list[Choice], fmt: str, gf: str) -> str:
    if any("->" in c.text or "->" in c.feedback for c in choices):
        # With an '=' in the block, '->' would make it a matching question. One answer worth
        # 100% can be written without '=' (Moodle documents it); the tag keeps it from
        # being read as {T} or a weight.
        if len(choices) != 1 or choices[0].fraction != 1.0:
            raise _Refused(
                "'->' in a short answer or its feedback can only be written when there is a "
                "single answer worth 100% (otherwise Moodle reads a matching question)"
            )
        c = choices[0]
        return f"[{fmt}]{_esc(c.text)}{_feedback(c.feedback, c.feedback_format, fmt)}{gf}}}"
    return "\n" + _graded_lines(choices, lambda c: _guarded(c.text, fmt, weight_too=True), fmt, gf)


def _graded_lines(answers, text_of, fmt: str, gf: str, last: str = "") -> str:
    """One `=` line per graded answer (with its weight unless it is 100%), then ``last`` (a
    numerical "any other answer"), then general feedback."""
    lines = [f"\t={_weight_mark(a.fraction)}{text_of(a)}{_feedback(a.feedback, a.feedback_format, fmt)}"
             for a in answers]
    if last:
        lines.append("\t" + last)
    if gf:
        lines.append("\t" + gf)
    return "\n".join(lines) + "\n}"


def _weight_mark(fraction: float) -> str:
    return "" if fraction == 1.0 else f"%{_weight_text(fraction)}%"


def _other_line(other: OtherAnswer, fmt: str) -> str:
    """The "any other answer": ``~#feedback`` as Moodle's export writes it when it is worth 0%
    (always, in Moodle: its export loses any other weight), else ``=%n%*#feedback``, which
    Moodle and Amicus both read with its weight."""
    if other.fraction == 0:
        return f"~#{_part(other.feedback, other.feedback_format, fmt)}"
    return f"={_weight_mark(other.fraction)}*{_feedback(other.feedback, other.feedback_format, fmt)}"


def _numeric_block(answers: list[NumericAnswer], other: OtherAnswer | None, fmt: str, gf: str) -> str:
    for number, a in enumerate(answers, 1):
        if not isinstance(a, NumericAnswer):
            raise _Refused(f"numerical answer {number} is not a NumericAnswer")
        _check_fraction(a.low, f"the low end of numerical answer {number}")
        _check_fraction(a.high, f"the high end of numerical answer {number}")
        _check_fraction(a.fraction, f"the weight of numerical answer {number}")
        _check_text(a.feedback, f"the feedback of numerical answer {number}")
        _check_format(a.feedback_format, a.feedback, fmt, f"the feedback of numerical answer {number}")
        if a.low > a.high:
            raise _Refused(f"numerical answer {number} has its low end above its high end")
        if a.written_as not in ("tolerance", "range"):
            raise _Refused(f"numerical answer {number}: written_as must be 'tolerance' or 'range'")
    if other is not None:
        if not isinstance(other, OtherAnswer):
            raise _Refused("other_answer is not an OtherAnswer")
        _check_fraction(other.fraction, "the weight of the answer '*' (any other answer)")
        _check_text(other.feedback, "the feedback for any other answer")
        _check_format(other.feedback_format, other.feedback, fmt, "the feedback for any other answer")
    problem = _numeric_problem(answers, other)
    if problem:
        raise _Refused(problem)
    if len(answers) == 1 and answers[0].fraction == 1.0 and other is None:
        a = answers[0]
        return f"#{_numeric_text(a)}{_feedback(a.feedback, a.feedback_format, fmt)}{gf}}}"
    last = _other_line(other, fmt) if other is not None else ""
    return "#\n" + _graded_lines(answers, _numeric_text, fmt, gf, last)


def _matching_block(pairs: list[MatchPair], fmt: str, gf: str) -> str:
    for number, p in enumerate(pairs, 1):
        if not isinstance(p, MatchPair):
            raise _Refused(f"matching pair {number} is not a MatchPair")
        _check_text(p.left, f"the item of matching pair {number}")
        _check_text(p.right, f"the match of matching pair {number}")
        if "->" in p.left:
            raise _Refused(f"the item of matching pair {number} contains '->', which GIFT cannot escape")
        if not p.right:
            raise _Refused(f"matching pair {number} has nothing to match")
        _check_format(p.left_format, p.left, fmt, f"the item of matching pair {number}")
    problem = _pairs_problem(pairs)
    if problem:
        raise _Refused(problem)
    lines = [
        f"\t={_part(p.left, p.left_format, fmt, weight_too=True)} -> {_esc(p.right)}" for p in pairs
    ]
    if gf:
        lines.append("\t" + gf)
    return "\n" + "\n".join(lines) + "\n}"
