"""Tests of chunkarray.interop.array_api_info: the CPU device and ``__array_namespace_info__``,
against the standard's reference (array_api_strict) where they share meaning."""

from __future__ import annotations

import array_api_strict as xps
import numpy as np
import pytest

import chunkarray as ca
from chunkarray.interop.array_api_info import CPU_DEVICE, Device, check_device

KINDS = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
         "complex floating", "numeric"]


def test_one_cpu_device():
    assert ca.CPU_DEVICE is CPU_DEVICE and repr(CPU_DEVICE) == "CPU_DEVICE"
    assert CPU_DEVICE == Device() == "cpu" and CPU_DEVICE != "cuda"
    assert hash(CPU_DEVICE) == hash(Device())
    assert {CPU_DEVICE, Device()} == {CPU_DEVICE}
    assert ca.ones(2).device == CPU_DEVICE


@pytest.mark.parametrize("device", [None, CPU_DEVICE, "cpu"])
def test_check_device_accepts_the_cpu(device):
    check_device(device)


@pytest.mark.parametrize("device", ["gpu", "cuda:0", 0, xps.Device("device1")])
def test_check_device_refuses_others(device):
    with pytest.raises(ValueError, match=r"device=.*CPU only"):
        check_device(device)


def test_capabilities_and_devices():
    info = ca.__array_namespace_info__()
    caps = info.capabilities()
    assert caps["boolean indexing"] is True and caps["data-dependent shapes"] is True
    assert set(caps) >= set(xps.__array_namespace_info__().capabilities())
    assert info.default_device() == CPU_DEVICE
    assert info.devices() == [CPU_DEVICE]


def test_default_dtypes_as_numpy():
    info = ca.__array_namespace_info__()
    defaults = info.default_dtypes()
    assert defaults == info.default_dtypes(device="cpu")
    assert defaults["real floating"] == ca.ones(1).dtype == np.float64
    assert defaults["integral"] == ca.asarray([1]).dtype == ca.arange(2).dtype
    assert defaults["complex floating"] == ca.asarray([1j]).dtype
    assert defaults["indexing"] == ca.argmax(ca.ones(3)).dtype
    strict = xps.__array_namespace_info__().default_dtypes()
    assert set(defaults) == set(strict)
    with pytest.raises(ValueError, match="device='gpu'"):
        info.default_dtypes(device="gpu")


@pytest.mark.parametrize("kind", [None, *KINDS, ("bool", "real floating")])
def test_dtypes_by_kind_as_the_standard(kind):
    ours = ca.__array_namespace_info__().dtypes(kind=kind)
    theirs = xps.__array_namespace_info__().dtypes(kind=kind)
    assert set(ours) == set(theirs)
    assert all(ours[n] == np.dtype(theirs[n]._np_dtype) for n in ours)
    assert all(ca.isdtype(d, kind) for d in ours.values()) if kind is not None else True


def test_dtypes_bad_kind():
    info = ca.__array_namespace_info__()
    with pytest.raises(ValueError, match="kind='float'.*'real floating'"):
        info.dtypes(kind="float")
    with pytest.raises(ValueError, match="device"):
        info.dtypes(device="tpu")
