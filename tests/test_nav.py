"""Navigation: the nav follows the spine, nests parts and has landmarks; the NCX mirrors it."""

from bookkit import NS, text_of


def toc_links(epub):
    nav_name = epub.nav_name()
    nav = epub.xml(nav_name)
    (toc,) = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)
    return nav_name, toc


def test_nav_order_equals_spine_order(feature_books):
    epub = feature_books["nav"].epub
    nav_name, toc = toc_links(epub)
    listed = [epub.full_name(a.get("href"), nav_name) for a in toc.iter(f"{{{NS['x']}}}a")]
    # The generated half title, title page and copyright page open the spine; landmarks reach
    # them, the contents lists the text.
    furniture = ("half-title.xhtml", "title-page.xhtml", "copyright.xhtml")
    assert epub.spine()[:3] == [f"EPUB/text/{name}" for name in furniture]
    assert listed == [name for name in epub.spine()
                      if name != nav_name and not name.endswith(furniture)]
    assert len(listed) == 7


def test_nav_nests_chapters_under_their_parts(feature_books):
    epub = feature_books["nav"].epub
    _, toc = toc_links(epub)
    top = toc.find("x:ol", NS)
    outline = []
    for li in top.findall("x:li", NS):
        children = [text_of(a) for a in li.findall("x:ol/x:li/x:a", NS)]
        outline.append((text_of(li.find("x:a", NS)), children))
    assert outline == [
        ("Dedication", []),
        ("Part One: The Hand", ["Without Belongings", "The Bulletin"]),
        ("Part Two: The Word", ["The Word"]),
        ("Afterword", []),
    ]


def test_nav_has_landmarks_that_resolve(feature_books):
    epub = feature_books["nav"].epub
    nav_name = epub.nav_name()
    nav = epub.xml(nav_name)
    (landmarks,) = nav.xpath("//x:nav[@epub:type='landmarks']", namespaces=NS)
    marks = {a.get(f"{{{NS['epub']}}}type"): a.get("href")
             for a in landmarks.iter(f"{{{NS['x']}}}a")}
    assert {"toc", "bodymatter", "backmatter"} <= set(marks)
    for href in marks.values():
        target = epub.full_name(href, nav_name)
        assert target in epub.files
        if "#" in href:
            fragment = href.split("#", 1)[1]
            assert epub.xml(target).xpath("//*[@id=$f]", f=fragment)
    assert epub.full_name(marks["bodymatter"], nav_name).endswith("part-1.xhtml")
    assert epub.full_name(marks["backmatter"], nav_name).endswith("afterword.xhtml")


def test_ncx_is_present_and_mirrors_the_nav(feature_books):
    epub = feature_books["nav"].epub
    (ncx_item,) = [i for i in epub.manifest().values()
                   if i["media-type"] == "application/x-dtbncx+xml"]
    assert epub.opf.find("opf:spine", NS).get("toc") == ncx_item["id"]
    ncx_name = epub.full_name(ncx_item["href"])
    ncx = epub.xml(ncx_name)
    assert ncx.tag == f"{{{NS['ncx']}}}ncx" and ncx.get("version") == "2005-1"
    uid = ncx.xpath("//ncx:head/ncx:meta[@name='dtb:uid']/@content", namespaces=NS)
    assert uid == epub.metadata("dc:identifier")
    assert ncx.xpath("//ncx:meta[@name='dtb:depth']/@content", namespaces=NS) == ["2"]

    points = ncx.xpath("//ncx:navPoint", namespaces=NS)
    assert [int(p.get("playOrder")) for p in points] == list(range(1, len(points) + 1))
    sources = [epub.full_name(p.find("ncx:content", NS).get("src"), ncx_name) for p in points]
    nav_name, toc = toc_links(epub)
    assert sources == [epub.full_name(a.get("href"), nav_name)
                       for a in toc.iter(f"{{{NS['x']}}}a")]
    assert all(s in epub.files for s in sources)
    part_one = points[1]
    assert part_one.findtext("ncx:navLabel/ncx:text", namespaces=NS) == "Part One: The Hand"
    assert [p.findtext("ncx:navLabel/ncx:text", namespaces=NS)
            for p in part_one.findall("ncx:navPoint", NS)] == ["Without Belongings",
                                                                "The Bulletin"]
