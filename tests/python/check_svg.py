"""Parses an SVG file with Python's own XML parser (not plotters') and describes it.

Usage: check_svg.py FILE.svg. Prints one JSON object: the root tag, width and height, how many
elements of each tag there are, and every text the drawing holds.
"""
import json
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
svg = "{http://www.w3.org/2000/svg}"
tags = {}
texts = []
for element in root.iter():
    tag = element.tag.replace(svg, "")
    tags[tag] = tags.get(tag, 0) + 1
    if tag == "text":
        texts.append("".join(element.itertext()).strip())
print(json.dumps({
    "root": root.tag.replace(svg, ""),
    "namespace": root.tag.startswith(svg),
    "width": root.get("width"),
    "height": root.get("height"),
    "tags": tags,
    "texts": texts,
}))
