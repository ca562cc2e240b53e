"""Per-department upload outliers: users far above their department's median."""

from __future__ import annotations

import polars as pl
import pytest
from helpers import matches, ts

from shadowscan.catalog import Catalog, load_catalog
from shadowscan.findings import Behaviour, aggregate, upload_outliers

MB = 1_000_000


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _uploads(per_user: dict[str, int], department: str = "Legal") -> pl.DataFrame:
    return matches(
        [
            {"user": u, "department": department, "bytes_out": b, "ts": ts("2026-11-26 09:00")}
            for u, b in per_user.items()
        ]
    )


def test_user_far_above_the_median_is_flagged_with_figures() -> None:
    """Medians 2 MB; 45 MB > max(3 x 2 MB, 10 MB): flagged with median, ratio, threshold."""
    out = upload_outliers(_uploads({"a": 1 * MB, "b": 2 * MB, "c": 3 * MB, "d": 45 * MB}))
    assert out.rows(named=True) == [
        {
            "department": "Legal",
            "user": "d",
            "bytes_out": 45 * MB,
            "department_median": 2.5 * MB,
            "department_users": 4,
            "ratio": 18.0,
            "threshold": 10.0 * MB,
            "services": "chatgpt",
            "events": 1,
        }
    ]


def test_floor_keeps_small_uploads_out() -> None:
    """9 MB is 9x a 1 MB median but under the 10 MB floor: not an outlier."""
    assert upload_outliers(_uploads({"a": MB, "b": MB, "c": 9 * MB})).height == 0


def test_factor_applies_above_the_floor() -> None:
    """Median 20 MB: 50 MB is under 3 x 20 = 60 MB; 70 MB is above."""
    uploads = {"a": 20 * MB, "b": 20 * MB, "c": 20 * MB, "d": 50 * MB, "e": 70 * MB}
    assert upload_outliers(_uploads(uploads))["user"].to_list() == ["e"]


def test_outlier_settings_come_from_behaviour() -> None:
    """With factor 2 and a 1 MB floor, 5 MB over a 2 MB median is an outlier."""
    b = Behaviour(outlier_factor=2.0, outlier_min_mb=1.0)
    got = upload_outliers(_uploads({"a": MB, "b": 2 * MB, "c": 5 * MB}), b)
    assert got["user"].to_list() == ["c"]


def test_departments_are_judged_apart() -> None:
    """A heavy uploader is judged against their own department only."""
    m = pl.concat(
        [
            _uploads({"a": MB, "b": MB, "c": 30 * MB}, "Legal"),
            _uploads({"x": 40 * MB, "y": 50 * MB, "z": 60 * MB}, "Engineering"),
        ]
    )
    assert upload_outliers(m).select("department", "user").rows() == [("Legal", "c")]


def test_no_bytes_no_outliers() -> None:
    """Sources that log no bytes out give no outliers (and no error)."""
    m = matches([{"user": "a", "ts": ts("2026-11-26 09:00")}])
    assert upload_outliers(m).height == 0


def test_outlier_is_named_in_the_finding_why(catalog: Catalog) -> None:
    """The finding of the service the outlier used names them and counts them."""
    row = aggregate(_uploads({"a": MB, "b": MB, "c": 30 * MB}), catalog).row(0, named=True)
    assert row["outlier_users"] == 1
    assert "upload outlier(s): c 30.0 MB" in row["why"]
