"""Bundled data: shapes, preprocessing, provenance."""

import numpy as np
import pytest

import eqalg
from eqalg.datasets import load_dataset
from eqalg.errors import UnknownNameError


@pytest.mark.parametrize("name,n,d,o,task", [("iris", 150, 4, 3, "classification"),
                                             ("wine", 178, 13, 3, "classification"),
                                             ("diabetes", 442, 10, 1, "regression")])
def test_bundled_sets(name, n, d, o, task):
    ds = load_dataset(name)
    assert ds.X.shape == (n, d) and ds.Y.shape == (n, o) and ds.task == task
    np.testing.assert_allclose(ds.X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.X.std(axis=0), 1.0, rtol=1e-12)
    if task == "classification":
        assert set(np.unique(ds.Y)) == {0.0, 1.0}
        np.testing.assert_array_equal(ds.Y.sum(axis=1), 1.0)
    assert ds.source and ds.describe()["n_samples"] == n
    assert not ds.X.flags.writeable


def test_iris_content_and_provenance():
    ds = eqalg.load_iris()
    assert ds.target_names == ("setosa", "versicolor", "virginica")
    assert np.all(ds.Y.sum(axis=0) == 50)
    doc = eqalg.load_iris.__doc__
    assert "Fisher" in doc and "CC BY 4.0" in doc


def test_unknown_dataset():
    with pytest.raises(UnknownNameError, match="mnist"):
        load_dataset("mnist")
