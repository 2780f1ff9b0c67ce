"""The Markdown pages a reader clicks through: the README, the guides in docs/, CONTRIBUTING.md
and the measurements' index. Every local link must lead to a file of the repository, and every
#anchor to a heading of the page it names, as GitHub renders them; no placeholder is left in the
guides; CITATION.cff stays a valid citation of the package's version."""

import re
import tomllib

import pytest
import yaml

from tests.scripts import KNOWN_NAMES, ROOT

PAGES = sorted(
    [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "benchmarks" / "README.md"]
    + list((ROOT / "docs").glob("*.md"))
)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"")


def links(text):
    """The targets of a page's links and pictures, leaving out code blocks and code spans."""
    text = CODE_SPAN.sub("", FENCE.sub("", text))
    return [inline or img for inline, img in LINK.findall(text)]


def anchors(text):
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as
    hyphens, and -1, -2 ... after a repeated one."""
    seen, found = {}, set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", FENCE.sub("", text), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def test_anchors_follow_github():
    text = "# Windows (PowerShell)\n## The notebooks' stored runs\n## Notes\n## Notes\n"
    assert anchors(text) == {"windows-powershell", "the-notebooks-stored-runs", "notes", "notes-1"}
    assert links('[a](x.md) `[b](y.md)`\n```\n[c](z.md)\n```\n<img src="p.png">') == [
        "x.md",
        "p.png",
    ]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_local_link_resolves(page):
    text = page.read_text(encoding="utf-8")
    broken = []
    for target in links(text):
        if re.match(r"[a-z]+:", target):
            continue  # a link out (https:, mailto:): followed by a reader, not here
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.is_file():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md":
            if anchor not in anchors(file.read_text(encoding="utf-8")):
                broken.append(f"{target}: no heading with that anchor")
    assert not broken, f"{page.relative_to(ROOT)}: {broken}"


@pytest.mark.parametrize(
    "name", ["README.md", "CONTRIBUTING.md", "data/README.md", "images/README.md"]
)
def test_no_placeholder_left_in_the_documentation(name):
    text = (ROOT / name).read_text()
    leftover = set(re.findall(r"\b[A-Z]{2,}_[A-Z_]{2,}\b|\bTODO\b", text)) - KNOWN_NAMES
    assert not leftover, f"{name} still has placeholders: {sorted(leftover)}"


def test_citation_names_the_package_version():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    for key in ("cff-version", "message", "title", "authors"):  # what CFF 1.2.0 requires
        assert citation.get(key), f"CITATION.cff: no {key}"
    assert all(author.get("name") or author.get("family-names") for author in citation["authors"])
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert str(citation["version"]) == project["version"], "CITATION.cff: another version"
