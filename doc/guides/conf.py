# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Sphinx configuration for the virtio PMD guides.

Only what ships with Debian's python3-sphinx is used: no extension that needs
the network, no static files of our own. The features matrix is rendered by
the small ``features-matrix`` directive defined below, which reads the
``nics/features/*.ini`` files with configparser.
"""

import configparser

from docutils import nodes
from docutils.parsers.rst import Directive

project = "virtio PMD"
author = "The virtio PMD authors"
copyright = "2026, The virtio PMD authors"
version = "0.1"
release = "0.1.0"

language = "en"
master_doc = "index"
source_suffix = ".rst"
exclude_patterns = ["_build"]
pygments_style = "sphinx"
highlight_language = "none"

html_theme = "classic"
html_title = "virtio PMD guides"
html_show_sourcelink = False

# Values a driver's features file may give a feature: supported, partly supported.
FEATURE_VALUES = ("Y", "P")


def _read_features(path):
    parser = configparser.ConfigParser(delimiters=("=",), comment_prefixes=(";", "#"),
                                       inline_comment_prefixes=None, interpolation=None,
                                       strict=True, empty_lines_in_values=False)
    parser.optionxform = str  # feature names are case sensitive
    with open(path, encoding="utf-8") as f:
        parser.read_file(f)
    if not parser.has_section("Features"):
        raise ValueError(f"{path}: no [Features] section")
    return [(key, value.strip()) for key, value in parser.items("Features")]


class FeaturesMatrix(Directive):
    """Renders a driver's features file as a two-column table.

    Usage: ``.. features-matrix:: features/virtio.ini features/default.ini``

    The first file is the driver's, the second lists every valid feature in
    display order (DPDK's default.ini convention). A feature the driver file
    names that the list does not know, or a value other than Y or P, is an
    error, so a typo fails the docs build.
    """

    required_arguments = 2
    has_content = False

    def run(self):
        env = self.state.document.settings.env
        rel_drv, drv_path = env.relfn2path(self.arguments[0])
        rel_all, all_path = env.relfn2path(self.arguments[1])
        env.note_dependency(rel_drv)
        env.note_dependency(rel_all)
        try:
            known = [key for key, _ in _read_features(all_path)]
            driver = _read_features(drv_path)
        except (OSError, ValueError, configparser.Error) as exc:
            raise self.error(f"features-matrix: {exc}")
        values = {}
        for key, value in driver:
            if key not in known:
                raise self.error(f"features-matrix: {rel_drv}: unknown feature '{key}'")
            if value not in FEATURE_VALUES:
                raise self.error(f"features-matrix: {rel_drv}: feature '{key}' has "
                                 f"value '{value}'; allowed: Y, P")
            values[key] = value
        return [self._table(known, values)]

    @staticmethod
    def _row(cells):
        row = nodes.row()
        for text in cells:
            entry = nodes.entry()
            if text:
                entry += nodes.paragraph(text=text)
            row += entry
        return row

    def _table(self, known, values):
        table = nodes.table(classes=["features-matrix"])
        group = nodes.tgroup(cols=2)
        table += group
        group += nodes.colspec(colwidth=40)
        group += nodes.colspec(colwidth=10)
        head = nodes.thead()
        head += self._row(["Feature", "virtio"])
        group += head
        body = nodes.tbody()
        for key in known:
            body += self._row([key, values.get(key, "")])
        group += body
        return table


def setup(app):
    app.add_directive("features-matrix", FeaturesMatrix)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
