"""spillover.qgis.print_layout: a layout QGIS exports as it is, with China's inset and units without data.

Expected values come from outside the layout code: the units without data are the 34 provincial units of
the shipped registry minus the layer's (set difference here), the inset's window is the lon/lat box of
spillover.maps (105.5-123.5E, 2.5-24N) projected here with pyproj point by point along its edges, and the
pixels are read back from the PNG QGIS wrote.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

qgis_core = pytest.importorskip("qgis.core")

import spillover as so  # noqa: E402
from spillover.errors import OverwriteError, SpilloverError  # noqa: E402
from spillover.maps._china import CHINA_CRS  # noqa: E402

DPI = 60.0
INSET_WINDOW = (105.5, 2.5, 123.5, 24.0)  # lon/lat, as drawn by spillover.maps' South China Sea inset


@pytest.fixture
def china_layer(qgis_app):
    from spillover.qgis import frame_to_layer
    from spillover.qgis.style import graduated

    layer = frame_to_layer(so.datasets.china_provinces(), "provinces")
    graduated(layer, "capital_lat")
    return layer


@pytest.fixture
def layout(china_layer):
    from spillover.qgis import print_layout

    project = qgis_core.QgsProject.instance()
    made = print_layout(
        project, china_layer, title="Latitude of the provincial capitals", unit="degrees north"
    )
    yield made
    project.layoutManager().clear()
    project.removeAllMapLayers()


def _legend_text(legend):
    """The legend's layers: [(title, [labels of its entries])] in legend order."""
    from qgis.PyQt.QtCore import Qt

    model = legend.model()
    return [
        (
            node.customProperty("legend/title-label") or node.name(),
            [str(n.data(Qt.DisplayRole)) for n in model.layerLegendNodes(node)],
        )
        for node in model.rootGroup().findLayers()
    ]


def _page_px(layout, item):
    """The item's rectangle on the exported page, in pixels at DPI (left, top, right, bottom)."""
    pos, size = item.positionWithUnits(), item.sizeWithUnits()
    px = DPI / 25.4
    return (pos.x() * px, pos.y() * px, (pos.x() + size.width()) * px, (pos.y() + size.height()) * px)


def _window_in_albers():
    from pyproj import Transformer

    to = Transformer.from_crs(4326, CHINA_CRS, always_xy=True)
    lon0, lat0, lon1, lat1 = INSET_WINDOW
    edge = np.linspace(0.0, 1.0, 101)
    lons = np.concatenate(
        [lon0 + (lon1 - lon0) * edge, np.full(101, lon1), lon1 - (lon1 - lon0) * edge, np.full(101, lon0)]
    )
    lats = np.concatenate(
        [np.full(101, lat0), lat0 + (lat1 - lat0) * edge, np.full(101, lat1), lat1 - (lat1 - lat0) * edge]
    )
    xs, ys = to.transform(lons, lats)
    return min(xs), min(ys), max(xs), max(ys)


def test_layout_has_legend_with_units_and_no_data_scale_bar_north_arrow_and_inset(layout, china_layer):
    items = {i.id(): i for i in layout.items() if isinstance(i, qgis_core.QgsLayoutItem) and i.id()}
    assert {"title", "map", "legend", "scale_bar", "north_arrow", "note", "south_china_sea"} <= set(items)
    assert items["title"].text() == "Latitude of the provincial capitals"
    assert layout in qgis_core.QgsProject.instance().layoutManager().layouts()

    (title, classes), (_, [no_data]) = _legend_text(items["legend"])
    assert title.startswith("capital_lat (degrees north)") and "5 classes" in title
    assert len(classes) == len(china_layer.renderer().ranges()) == 5 and all(" - " in c for c in classes)
    full = set(so.datasets.china_provinces(include_sar_taiwan=True)["province"])
    absent = full - set(so.datasets.china_provinces()["province"])
    assert absent == {"Taiwan", "Hong Kong", "Macao"}
    assert no_data.startswith("No data")
    assert all(name in no_data for name in absent)

    assert isinstance(items["scale_bar"], qgis_core.QgsLayoutItemScaleBar)
    assert items["scale_bar"].linkedMap() is items["map"] and items["scale_bar"].unitLabel() == "km"
    picture = items["north_arrow"]
    assert isinstance(picture, qgis_core.QgsLayoutItemPicture) and picture.picturePath().endswith(".svg")
    assert Path(picture.picturePath()).is_file()
    assert "+proj=aea" in items["map"].crs().toProj() and "+lon_0=105" in items["map"].crs().toProj()

    inset = items["south_china_sea"].extent()
    x0, y0, x1, y1 = _window_in_albers()
    assert inset.xMinimum() <= x0 + 1 and inset.yMinimum() <= y0 + 1
    assert inset.xMaximum() >= x1 - 1 and inset.yMaximum() >= y1 - 1
    assert inset.width() == pytest.approx(x1 - x0, rel=0.02) and inset.height() == pytest.approx(
        y1 - y0, rel=0.02
    )
    # the inset sits inside the main map, at its bottom right corner
    main = _page_px(layout, items["map"])
    box = _page_px(layout, items["south_china_sea"])
    assert box[2] == pytest.approx(main[2]) and box[3] == pytest.approx(main[3]) and box[0] > main[0]


def test_exported_png_shows_the_inset_and_taiwan_in_grey(layout, tmp_path):
    from qgis.PyQt.QtGui import QColor, QImage

    from spillover.qgis import export_layout

    path = export_layout(layout, tmp_path / "layout.png", dpi=DPI)
    image = QImage(str(path))
    assert not image.isNull()
    assert abs(image.width() - 297 / 25.4 * DPI) <= 1 and abs(image.height() - 210 / 25.4 * DPI) <= 1  # A4

    def pixels(left, top, right, bottom):
        return [
            QColor(image.pixel(x, y)).getRgb()[:3]
            for x in range(int(left) + 2, int(right) - 2)
            for y in range(int(top) + 2, int(bottom) - 2)
        ]

    inset = pixels(*_page_px(layout, layout.itemById("south_china_sea")))
    coloured = sum(1 for rgb in inset if rgb != (255, 255, 255))
    assert coloured > 0.01 * len(inset)  # islands, maritime line, Hainan and Guangdong

    # Taiwan's interior, projected here, lands on grey pixels of the main map (no data), not on white
    from pyproj import Transformer

    taiwan = (
        so.datasets.china_provinces(include_sar_taiwan=True).set_index("province").loc["Taiwan", "geometry"]
    )
    point = max(getattr(taiwan, "geoms", [taiwan]), key=lambda g: g.area).representative_point()
    tx, ty = Transformer.from_crs(4326, CHINA_CRS, always_xy=True).transform(point.x, point.y)
    item = layout.itemById("map")
    extent = item.extent()
    left, top, right, bottom = _page_px(layout, item)
    px = left + (tx - extent.xMinimum()) / extent.width() * (right - left)
    py = top + (extent.yMaximum() - ty) / extent.height() * (bottom - top)
    around = pixels(px - 4, py - 4, px + 4, py + 4)
    assert all(rgb != (255, 255, 255) for rgb in around)
    r, g, b = np.mean(around, axis=0)
    assert max(r, g, b) - min(r, g, b) < 12 and r < 220  # grey (the no-data fill and its hatching)

    with pytest.raises(OverwriteError):
        export_layout(layout, path)
    pdf = export_layout(layout, tmp_path / "layout.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    with pytest.raises(SpilloverError, match="png or .pdf"):
        export_layout(layout, tmp_path / "layout.svg")


def test_layout_of_other_regions_has_no_inset_and_china_true_is_refused(qgis_app):
    import geopandas as gpd
    from shapely.geometry import box

    from spillover.qgis import frame_to_layer, print_layout

    grid = gpd.GeoDataFrame(
        {"rid": [f"r{i}" for i in range(4)], "y": [1.0, 2.0, 3.0, 4.0]},
        geometry=[box(i, 0, i + 1, 1) for i in range(4)],
        crs="EPSG:4326",
    )
    layer = frame_to_layer(grid, "grid")
    project = qgis_core.QgsProject.instance()
    try:
        made = print_layout(project, layer, china="auto")
        ids = {i.id() for i in made.items() if isinstance(i, qgis_core.QgsLayoutItem)}
        assert "south_china_sea" not in ids and {"map", "legend", "scale_bar", "north_arrow"} <= ids
        assert made.itemById("map").crs().authid() == "EPSG:4326"
        with pytest.raises(SpilloverError, match="provincial ids"):
            print_layout(project, layer, china=True)
    finally:
        project.layoutManager().clear()
        project.removeAllMapLayers()
