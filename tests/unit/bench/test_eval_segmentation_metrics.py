"""Pure helpers of `make eval-segmentation`: IoU, boundary F, AUROC, Spearman,
reliability bins, and the fetch script's archive reader."""

from __future__ import annotations

import io
import math
import tarfile

import numpy as np
import pytest

from bench.eval_segmentation import fetch
from bench.eval_segmentation.metrics import (
    auroc,
    boundary_f,
    iou,
    ranks,
    reliability,
    spearman,
)


def _square(size: int, x0: int, y0: int, side: int) -> np.ndarray:
    m = np.zeros((size, size), bool)
    m[y0 : y0 + side, x0 : x0 + side] = True
    return m


# ------------------------------------------------------------------------ IoU


def test_given_identical_masks_when_iou_then_one() -> None:
    m = _square(20, 2, 2, 10)
    assert iou(m, m) == 1.0


def test_given_half_overlapping_squares_when_iou_then_intersection_over_union() -> None:
    a = _square(20, 0, 0, 10)  # 100 px
    b = _square(20, 5, 0, 10)  # 100 px, 50 shared
    assert iou(a, b) == pytest.approx(50 / 150)


def test_given_disjoint_masks_when_iou_then_zero_and_two_empty_masks_agree() -> None:
    assert iou(_square(20, 0, 0, 5), _square(20, 10, 10, 5)) == 0.0
    empty = np.zeros((4, 4), bool)
    assert iou(empty, empty) == 1.0


# ----------------------------------------------------------------- boundary F


def test_given_an_outline_one_pixel_off_when_tolerance_covers_it_then_f_is_one() -> None:
    truth = _square(40, 10, 10, 20)
    shifted = _square(40, 11, 10, 20)
    assert boundary_f(shifted, truth, tolerance=1) == 1.0


def test_given_an_outline_far_off_when_boundary_f_then_it_drops_below_iou_like_values() -> None:
    truth = _square(60, 10, 10, 20)
    far = _square(60, 30, 30, 20)
    assert boundary_f(far, truth, tolerance=1) < 0.2


def test_given_one_empty_mask_when_boundary_f_then_zero() -> None:
    assert boundary_f(np.zeros((10, 10), bool), _square(10, 2, 2, 4), tolerance=1) == 0.0


# --------------------------------------------------------------------- AUROC


def test_given_risk_that_ranks_every_positive_first_when_auroc_then_one() -> None:
    assert auroc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0


def test_given_inverted_risk_when_auroc_then_zero_and_ties_count_half() -> None:
    assert auroc([0.1, 0.9], [True, False]) == 0.0
    assert auroc([0.5, 0.5], [True, False]) == 0.5


def test_given_a_single_class_when_auroc_then_undefined() -> None:
    assert math.isnan(auroc([0.1, 0.2], [False, False]))


# ------------------------------------------------------------------ Spearman


def test_given_ties_when_ranking_then_they_share_the_average_rank() -> None:
    assert list(ranks([10, 20, 20, 30])) == [1.0, 2.5, 2.5, 4.0]


def test_given_a_monotone_but_nonlinear_relation_when_spearman_then_one() -> None:
    x = [1, 2, 3, 4, 5]
    assert spearman(x, [v**3 for v in x]) == pytest.approx(1.0)
    assert spearman(x, [-(v**2) for v in x]) == pytest.approx(-1.0)


def test_given_a_known_permutation_when_spearman_then_textbook_value() -> None:
    # d² = 0+1+1+0+0... ranks (1,2,3,4,5) vs (2,1,3,4,5): rho = 1 - 6*2/(5*24) = 0.9
    assert spearman([1, 2, 3, 4, 5], [2, 1, 3, 4, 5]) == pytest.approx(0.9)


def test_given_a_constant_side_when_spearman_then_zero() -> None:
    assert spearman([1, 2, 3], [5, 5, 5]) == 0.0


# --------------------------------------------------------------- reliability


def test_given_confidences_when_binning_then_each_bin_holds_its_mean_quality() -> None:
    bins = reliability([0.05, 0.15, 0.95, 0.91], [0.2, 0.4, 1.0, 0.8], bins=10)
    assert bins[0][2] == pytest.approx(0.2)
    assert bins[-1] == pytest.approx((0.9, 1.0, 0.9, 2))
    assert sum(b[3] for b in bins) == 4


# ---------------------------------------------------------------------- fetch


def test_given_a_deb_like_ar_archive_when_unpacking_then_only_matching_members_land(
    tmp_path,
) -> None:
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w:xz") as tar:
        for name, data in (
            ("./usr/share/x/stamps/a/apple.png", b"png"),
            ("./usr/share/x/stamps/a/apple.txt", b"txt"),
            ("./usr/share/doc/readme.png", b"doc"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    payload = tar_bytes.getvalue()

    def member(name: str, data: bytes) -> bytes:
        header = f"{name:<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode()
        return header + data + (b"\n" if len(data) % 2 else b"")

    deb = tmp_path / "x.deb"
    deb.write_bytes(
        b"!<arch>\n" + member("debian-binary", b"2.0\n") + member("data.tar.xz", payload)
    )
    source = fetch.Source("x", "1", "0" * 64, "./usr/share/x/stamps/", ".png", "stamps")

    assert fetch.unpack(deb, source, tmp_path / "out") == 1
    assert (tmp_path / "out" / "a" / "apple.png").read_bytes() == b"png"
    assert not (tmp_path / "out" / "a" / "apple.txt").exists()
