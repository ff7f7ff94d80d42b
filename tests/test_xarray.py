"""xarray on chunkarray: the chunk manager (``chunked_array_type="chunkarray"``) on a real zarr
store, every result compared with xarray's NumPy-backed answer, with dask importable and without."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Any

import numpy as np
import pytest

import chunkarray as ca

xr = pytest.importorskip("xarray")
pd = pytest.importorskip("pandas")
pytest.importorskip("zarr")

from xarray.namedarray.parallelcompat import (  # noqa: E402 - after the skips
    get_chunked_array_type,
    list_chunkmanagers,
)

from chunkarray.interop.xarray import ChunkArrayManager  # noqa: E402

ENTRY_POINT = "chunkarray = chunkarray.interop.xarray:ChunkArrayManager"


def _entry_point_dir(root: pathlib.Path) -> str | None:
    """A directory that registers the entry point when the package is not installed with it
    (a worktree next to an older editable install); ``None`` when it is registered already."""
    if any(ep.name == "chunkarray" for ep in entry_points(group="xarray.chunkmanagers")):
        return None
    info = root / "chunkarray_xarray_entry_point-0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: chunkarray-xarray-entry-point\n"
                                   "Version: 0\n")
    (info / "entry_points.txt").write_text(f"[xarray.chunkmanagers]\n{ENTRY_POINT}\n")
    return str(root)


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    extra = _entry_point_dir(tmp_path_factory.mktemp("entry-point"))
    if extra is not None:
        sys.path.insert(0, extra)
    yield extra
    if extra is not None:
        sys.path.remove(extra)


def _climate(n_time: int = 400) -> Any:
    rng = np.random.default_rng(0)
    time = pd.date_range("2000-01-01", periods=n_time, freq="D")
    lat, lon = np.linspace(-75, 75, 6), np.arange(0.0, 360.0, 45.0)
    seasonal = 10 * np.sin(2 * np.pi * np.arange(n_time) / 365.25)[:, None, None]
    tas = 15 + seasonal + rng.normal(size=(n_time, 6, 8))
    tas[3, 2, 1] = np.nan
    pr = rng.gamma(2.0, size=(n_time, 6, 8)).astype(np.float32)
    return xr.Dataset({"tas": (("time", "lat", "lon"), tas), "pr": (("time", "lat", "lon"), pr)},
                      coords={"time": time, "lat": lat, "lon": lon})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("zarr") / "climate.zarr")
    # zarr chunks of 64 days: the chunked dataset's blocks follow them
    _climate().to_zarr(path, encoding={v: {"chunks": (64, 6, 8)} for v in ("tas", "pr")})
    return path


def _weighted_mean(d: Any) -> Any:
    return d.weighted(np.cos(np.deg2rad(d.lat))).mean(("lat", "lon"))


OPERATIONS = {
    "select": lambda d: d.sel(time="2000-03", lat=slice(-20, 80)).isel(lon=[0, 3]),
    "mean": lambda d: d.mean("time"),
    "std": lambda d: d.std("time", ddof=1),
    "groupby_mean": lambda d: d.groupby("time.month").mean(),
    "resample": lambda d: d.resample(time="MS").mean(),
    "rolling": lambda d: d.rolling(time=5, center=True).mean(),
    "cumsum": lambda d: d.cumsum("time"),
    "anomaly": lambda d: d.groupby("time.month") - d.groupby("time.month").mean("time"),
    "quantile": lambda d: d.quantile([0.1, 0.5, 0.9], dim="time"),
    "median": lambda d: d.median("time"),
    "weighted_mean": _weighted_mean,
    "where": lambda d: d.where(d.tas > 15),
    "concat": lambda d: xr.concat([d.isel(time=slice(0, 10)), d.isel(time=slice(-10, None))],
                                  "time"),
    "coarsen": lambda d: d.coarsen(time=8, boundary="trim").max(),
    "fillna": lambda d: d.fillna(0.0),
    "first_last": lambda d: d.resample(time="MS").first() - d.resample(time="MS").last(),
    "apply_ufunc": lambda d: xr.apply_ufunc(np.sin, d.tas, dask="parallelized",
                                            output_dtypes=[float]),
}


@pytest.fixture(scope="module")
def opened(registered: Any, store: str) -> tuple[Any, Any]:
    lazy = xr.open_zarr(store, chunks={}, chunked_array_type="chunkarray")
    eager = xr.open_zarr(store, chunks=None).load()
    return lazy, eager


def _is_chunkarray(result: Any) -> bool:
    variables = result.data_vars.values() if isinstance(result, xr.Dataset) else [result]
    return all(isinstance(v.data, ca.ChunkedArray) for v in variables)


def test_open_zarr_gives_chunked_arrays_on_the_stores_chunks(opened: tuple[Any, Any]) -> None:
    lazy, _ = opened
    assert isinstance(lazy.tas.data, ca.ChunkedArray)
    assert lazy.tas.data.chunks == ((64,) * 6 + (16,), (6,), (8,))
    assert lazy.pr.dtype == np.float32
    assert get_chunked_array_type(lazy.tas.data).__class__ is ChunkArrayManager


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_operation_matches_numpy_backed_xarray(name: str, opened: tuple[Any, Any],
                                               executor: str) -> None:
    lazy, eager = opened
    got = OPERATIONS[name](lazy)
    assert _is_chunkarray(got), f"{name} left chunkarray"
    want = OPERATIONS[name](eager)
    computed = got.compute()
    # float32 sums taken in another order differ in the last bits: an absolute tolerance at
    # float32's resolution for values of order 10 (anomalies cross zero)
    xr.testing.assert_allclose(computed, want, atol=1e-5)
    for var in (computed.data_vars if isinstance(computed, xr.Dataset) else [None]):
        if var is not None:
            assert computed[var].dtype == want[var].dtype, var


def test_to_zarr_writes_what_numpy_backed_xarray_writes(opened: tuple[Any, Any],
                                                        tmp_path: pathlib.Path) -> None:
    lazy, eager = opened
    anomaly = OPERATIONS["anomaly"](lazy).chunk(time=64, chunked_array_type="chunkarray")
    anomaly.to_zarr(str(tmp_path / "anomaly.zarr"))
    back = xr.open_zarr(str(tmp_path / "anomaly.zarr"), chunks=None).load()
    xr.testing.assert_allclose(back, OPERATIONS["anomaly"](eager), atol=1e-5)


def test_load_and_persist(opened: tuple[Any, Any]) -> None:
    lazy, eager = opened
    held = lazy.mean("lon").persist()
    assert _is_chunkarray(held)
    xr.testing.assert_allclose(held.load(), eager.mean("lon"))
    loaded = lazy.copy().load()
    assert isinstance(loaded.tas.data, np.ndarray)
    xr.testing.assert_allclose(loaded, eager)


def test_chunk_with_chunkarray(registered: Any) -> None:
    ds = _climate(40)
    c = ds.chunk(time=7, lat=4, chunked_array_type="chunkarray")
    assert isinstance(c.tas.data, ca.ChunkedArray)
    assert c.tas.data.chunks == ((7,) * 5 + (5,), (4, 2), (8,))
    xr.testing.assert_allclose(c.mean("lat").compute(), ds.mean("lat"))
    again = c.chunk(time=20, chunked_array_type="chunkarray")  # a rechunk through the manager
    assert again.tas.data.chunks[0] == (20, 20)
    with xr.set_options(chunk_manager="chunkarray"):  # the default manager, named once
        assert isinstance(ds.chunk(time=10).tas.data, ca.ChunkedArray)


def test_the_manager_is_the_only_one_that_claims_the_array(registered: Any) -> None:
    x = ca.ones(4, chunks=2)
    claiming = [name for name, m in list_chunkmanagers().items() if m.is_chunked_array(x)]
    assert claiming == ["chunkarray"]


def test_chunked_array_type_misuse(registered: Any) -> None:
    ds = _climate(10)
    with pytest.raises(ValueError, match="unrecognized chunk manager 'chunkarrays'"):
        ds.chunk(time=5, chunked_array_type="chunkarrays")
    with pytest.raises(TypeError, match="manager must be a string or instance"):
        ds.chunk(time=5, chunked_array_type=ca)
    with pytest.raises(TypeError, match="from_array takes name=, lock= and inline_array= only"):
        ds.chunk(time=5, chunked_array_type="chunkarray", from_array_kwargs={"asarray": True})


# --- the manager's methods, one by one ---------------------------------------------------------

M = ChunkArrayManager()
A = np.arange(60.0).reshape(6, 10)


def test_normalize_chunks_and_auto_size() -> None:
    assert M.normalize_chunks((4, 5), shape=(6, 10)) == ((4, 2), (5, 5))
    assert M.normalize_chunks({0: 3}, shape=(6, 10)) == ((3, 3), (10,))
    assert M.normalize_chunks("auto", shape=(6, 10), dtype=np.float64,
                              previous_chunks=(3, 10)) == ((6,), (10,))
    assert M.get_auto_chunk_size() == ca.core.bytesize.parse_bytes(ca.config.get("chunk_size"))
    with pytest.raises(ValueError, match="shape= is needed"):
        M.normalize_chunks((2,))


def test_reduction_scan_and_blocks(executor: str) -> None:
    x = M.from_array(A, (4, 3))
    (total,) = M.compute(M.reduction(x, np.sum, combine_func=np.sum, aggregate_func=np.sum,
                                     axis=1, dtype=A.dtype, keepdims=True))
    np.testing.assert_array_equal(total, A.sum(axis=1, keepdims=True))
    cum = M.scan(np.cumsum, np.add, 0, x, axis=1, dtype=A.dtype)
    np.testing.assert_array_equal(cum.compute(), np.cumsum(A, axis=1))
    doubled = M.map_blocks(np.multiply, x, 2, dtype=A.dtype)
    np.testing.assert_array_equal(doubled.compute(), A * 2)
    outer = M.blockwise(np.add, "ij", x, "ij", M.from_array(A[0], (5,)), "j", dtype=A.dtype)
    np.testing.assert_array_equal(outer.compute(), A + A[0])
    means = M.apply_gufunc(lambda b: b.mean(axis=-1), "(i)->()", M.rechunk(x, {1: 10}),
                           output_dtypes=float)
    np.testing.assert_array_equal(means.compute(), A.mean(axis=1))


def test_scan_with_preop_fills_forward(executor: str) -> None:
    # xarray's ffill through its chunk manager: carry the last valid value of each block.
    data = np.array([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan, np.nan, np.nan, 2.0, np.nan])

    def push(block: np.ndarray, axis: int) -> np.ndarray:
        out = block.copy()
        for i in range(1, out.shape[axis]):
            out[i] = np.where(np.isnan(out[i]), out[i - 1], out[i])
        return out

    def last_valid(block: np.ndarray, axis: int, keepdims: bool) -> np.ndarray:
        return push(block, axis)[-1:]

    def fill(carry: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(values), carry, values)

    x = M.from_array(data, (3,))
    got = M.scan(push, fill, np.nan, x, axis=0, dtype=float, preop=last_valid).compute()
    np.testing.assert_array_equal(got, push(data, 0))


def test_unify_chunks_shuffle_store_persist(tmp_path: pathlib.Path) -> None:
    x, y = M.from_array(A, (4, 5)), M.from_array(A[0], (3,))
    chunks, (ux, uy) = M.unify_chunks(x, "ij", y, "j")
    assert chunks == {"i": (4, 2), "j": (3, 2, 1, 3, 1)} and ux.chunks[1] == uy.chunks[0]
    groups = [[5, 0], [2], [1, 3, 4]]
    shuffled = M.shuffle(x, groups, axis=0, chunks="auto")
    assert shuffled.chunks[0] == (2, 1, 3)
    np.testing.assert_array_equal(shuffled.compute(), A[[5, 0, 2, 1, 3, 4]])
    target = np.zeros((8, 10))
    M.store([x], [target], lock=None, compute=True, flush=True,
            regions=[(slice(2, 8), slice(None))])
    np.testing.assert_array_equal(target[2:], A)
    with pytest.raises(NotImplementedError, match="compute=False"):
        M.store([x], [target], compute=False)
    (held,) = M.persist(x * 2)
    np.testing.assert_array_equal(held.compute(), A * 2)
    assert M.array_api is ca
    with pytest.raises(TypeError, match="unknown option"):
        M.compute(x, optimize_graph=False)


# --- without dask ----------------------------------------------------------------------------

WITHOUT_DASK = """
import sys
sys.modules["dask"] = None  # dask cannot be imported: xarray must do without it
import numpy as np, xarray as xr, chunkarray as ca
from xarray.namedarray.parallelcompat import list_chunkmanagers
assert list(list_chunkmanagers()) == ["chunkarray"], list_chunkmanagers()
src, out = sys.argv[1], sys.argv[2]
lazy = xr.open_zarr(src, chunks={}, chunked_array_type="chunkarray")
eager = xr.open_zarr(src, chunks=None).load()
assert isinstance(lazy.tas.data, ca.ChunkedArray)
checks = {
    "mean": lambda d: d.mean("time"),
    "groupby": lambda d: d.groupby("time.month").mean(),
    "resample": lambda d: d.resample(time="MS").mean(),
    "rolling": lambda d: d.rolling(time=5).mean(),
    "cumsum": lambda d: d.cumsum("time"),
    "anomaly": lambda d: d.groupby("time.month") - d.groupby("time.month").mean("time"),
    # without dask, xarray's quantile is an apply_ufunc(dask="parallelized"): one block along
    # the reduced axis, as for any chunk manager but dask's
    "quantile": lambda d: d.chunk(time=-1).quantile(0.5, dim="time"),
    "apply_ufunc": lambda d: xr.apply_ufunc(np.cos, d.tas, dask="parallelized",
                                            output_dtypes=[float]).to_dataset(),
}
for name, f in checks.items():
    got = f(lazy)
    assert isinstance(got.tas.data, ca.ChunkedArray), name
    xr.testing.assert_allclose(got.compute(), f(eager), atol=1e-5)
    print(name, "ok")
lazy.mean("time").to_zarr(out)
xr.testing.assert_allclose(xr.open_zarr(out, chunks=None).load(), eager.mean("time"))
print("to_zarr ok")
xr.testing.assert_allclose(lazy.load(), eager)
print("load ok", "dask" in sys.modules and sys.modules["dask"] is not None)
"""


def test_everything_works_without_dask(registered: str | None, store: str,
                                       tmp_path: pathlib.Path) -> None:
    env = dict(os.environ)
    root = str(pathlib.Path(ca.__file__).parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, registered, env.get("PYTHONPATH"))
                                        if p)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(WITHOUT_DASK), store,
                          str(tmp_path / "mean.zarr")], capture_output=True, text=True, env=env,
                         cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.split("\n")
    assert "to_zarr ok" in lines and "load ok False" in lines
    assert sum(line.endswith(" ok") for line in lines) == 9
