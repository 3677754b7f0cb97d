"""The benchmark's dilated mode: every time k times as long, the clients' CPU and the service's clock alike."""

import time
from datetime import UTC, datetime

import boto3
import pytest

import wallet
from bench.dilation import Dilation
from local.contention import AwsTimes


def test_aws_times_scale_every_kind_of_call():
    times = AwsTimes().scaled(10)
    assert times.seconds("GetItem") == pytest.approx(0.05)
    assert times.seconds("PutItem") == pytest.approx(0.075)
    assert times.seconds("TransactWriteItems", 5) == pytest.approx(0.253)  # 25.3 ms for five items, dilated


def test_the_service_clock_runs_k_times_slower_from_the_shared_epoch(monkeypatch):
    dilation = Dilation(10, epoch=1_000.0)
    monkeypatch.setattr(time, "time", lambda: 1_100.0)  # 100 s after the epoch here: 10 s dilated
    assert dilation.now() == datetime.fromtimestamp(1_010.0, UTC)
    monkeypatch.setattr(time, "monotonic", lambda: 500.0)
    assert dilation.monotonic() == 50.0
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    dilation.sleep(0.03)  # the group commit's shortest look
    assert slept == [pytest.approx(0.3)]


def test_a_clients_cpu_counts_k_times_by_sleeping_the_difference(monkeypatch):
    dilation = Dilation(4, epoch=0.0)
    cpu = iter([2.0, 2.02, 2.02, 2.05, 2.05])  # begin, then (spent, after the sleep) twice
    monkeypatch.setattr(time, "process_time", lambda: next(cpu))
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    dilation.begin()
    dilation.stretch_cpu()  # 20 ms of CPU since begin: 3 x 20 ms more asleep
    dilation.stretch_cpu()  # 30 ms since the last call
    assert slept == [pytest.approx(0.06), pytest.approx(0.09)]


def test_install_dilates_the_service_the_handlers_use_and_each_call(monkeypatch):
    monkeypatch.setattr(wallet, "default_service", wallet.default_service)  # restored after the test
    monkeypatch.setenv("WALLET_TABLE_NAME", "Wallet")
    client = boto3.session.Session().client("dynamodb", region_name="us-east-1")
    dilation = Dilation(10, epoch=time.time())
    dilation.install(client)

    service = wallet.default_service()
    assert service is wallet.default_service()  # one per execution environment, as before
    assert service._sleep == dilation.sleep and service._monotonic == dilation.monotonic
    assert service._clock == dilation.now

    cpu = iter([7.0, 7.01, 7.01])  # begin; 10 ms spent before the call; after the sleep
    monkeypatch.setattr(time, "process_time", lambda: next(cpu))
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    dilation.begin()
    client.meta.events.emit("before-send.dynamodb.GetItem", request=None)
    assert slept == [pytest.approx(0.09)]  # the client's CPU before each DynamoDB call, 10 times
