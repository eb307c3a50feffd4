"""Doctest namespace: examples use ``pl`` and ``np`` without importing them."""

import numpy as np
import pytest

import pgm_lite


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["pl"] = pgm_lite
    doctest_namespace["np"] = np
