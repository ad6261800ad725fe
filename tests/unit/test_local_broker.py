"""The local broker's caller, against fake deploy/kafka/broker scripts: progress lines reach
`say` as they come, "started" and "running" are told apart, and the demo stops only a broker
it started."""

import threading
from pathlib import Path

import pytest

import hub.demo.run as demo_run
from hub.config import Settings
from hub.errors import LocalBrokerError
from hub.kafka.local_broker import LocalBroker, start_local_broker, stop_local_broker
from hub.service import resolve_bootstrap, resolve_broker


def write_script(tmp_path: Path, body: str) -> Path:
    """A fake broker script; every call appends its arguments to `calls` beside it."""
    script = tmp_path / "broker"
    calls = tmp_path / "calls"
    script.write_text(f'#!/usr/bin/env bash\necho "$*" >>"{calls}"\n' + body)
    script.chmod(0o755)
    return script


def calls(tmp_path: Path) -> list[str]:
    found = tmp_path / "calls"
    return found.read_text().splitlines() if found.exists() else []


# What the real script prints when it starts one, and when it finds one running.
STARTS = """case "$1" in
  start) echo "broker: fetched 3 of ~94 jars (1.2 of ~63 MB), latest a.jar" >&2
         echo "broker: waiting for the broker to answer on 127.0.0.1:19092 (5 s)" >&2
         echo started; echo 127.0.0.1:19092 ;;
  stop) echo "broker: plain profile stopped" >&2 ;;
esac
"""
RUNNING = """case "$1" in
  start) echo "broker: plain profile already running (pid 42)" >&2; echo running
         echo 127.0.0.1:19092 ;;
  stop) echo "broker: plain profile stopped" >&2 ;;
esac
"""


def test_progress_lines_reach_say_as_they_come(tmp_path: Path) -> None:
    # The second line is only written once the first has reached `say`: nothing is held back.
    seen = tmp_path / "seen"
    script = write_script(
        tmp_path,
        f"""echo "broker: fetching the Kafka jars" >&2
for _ in $(seq 1 100); do [[ -f "{seen}" ]] && break; sleep 0.05; done
[[ -f "{seen}" ]] || {{ echo "broker: say never saw the first line" >&2; exit 1; }}
echo "broker: plain profile started" >&2; echo started; echo 127.0.0.1:19092
""",
    )
    said: list[str] = []

    def say(line: str) -> None:
        said.append(line)
        seen.touch()

    broker = start_local_broker(script, say=say)
    assert said == ["broker: fetching the Kafka jars", "broker: plain profile started"]
    assert broker == LocalBroker("127.0.0.1:19092", started=True, sasl=False)


def test_started_and_running_are_told_apart(tmp_path: Path) -> None:
    started = start_local_broker(write_script(tmp_path, STARTS), say=lambda _: None)
    assert started.started and started.bootstrap == "127.0.0.1:19092"
    running = start_local_broker(write_script(tmp_path, RUNNING), say=lambda _: None)
    assert not running.started and running.bootstrap == "127.0.0.1:19092"


def test_an_answer_without_the_state_line_reads_as_running(tmp_path: Path) -> None:
    script = write_script(tmp_path, 'echo "noise" ; echo "127.0.0.1:19092"\n')
    assert start_local_broker(script, say=lambda _: None) == LocalBroker(
        "127.0.0.1:19092", started=False
    )


def test_the_profile_is_passed_on(tmp_path: Path) -> None:
    script = write_script(tmp_path, STARTS)
    assert start_local_broker(script, sasl=True, say=lambda _: None).sasl
    stop_local_broker(script, sasl=True, say=lambda _: None)
    assert calls(tmp_path) == ["start --sasl", "stop --sasl"]


def test_failure_surfaces_the_scripts_last_line(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        'echo "broker: fetching" >&2; echo "broker: Java not found: install a JDK" >&2\nexit 1\n',
    )
    said: list[str] = []
    with pytest.raises(LocalBrokerError) as raised:
        start_local_broker(script, say=said.append)
    assert raised.value.detail == "broker: Java not found: install a JDK"
    assert said == ["broker: fetching", "broker: Java not found: install a JDK"]
    with pytest.raises(LocalBrokerError, match="Java not found"):
        stop_local_broker(script, say=lambda _: None)


def test_a_script_that_never_answers_is_stopped(tmp_path: Path) -> None:
    script = write_script(tmp_path, "sleep 30\n")
    with pytest.raises(LocalBrokerError, match="did not answer within 1s"):
        start_local_broker(script, say=lambda _: None, timeout_s=1)


def test_missing_script_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(LocalBrokerError, match="HUB_KAFKA_BOOTSTRAP"):
        start_local_broker(tmp_path / "nope")
    with pytest.raises(LocalBrokerError, match="HUB_KAFKA_BOOTSTRAP"):
        stop_local_broker(tmp_path / "nope")


def test_a_configured_broker_is_never_started(tmp_path: Path) -> None:
    settings = Settings(kafka_bootstrap="b:9092", local_broker_script=write_script(tmp_path, ""))
    assert resolve_broker(settings) == LocalBroker("b:9092", started=False)
    assert resolve_bootstrap(settings) == "b:9092"
    assert calls(tmp_path) == []


def run_demo_with(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, fails: bool = False, confined: bool = False
) -> list[str]:
    """run_demo with everything after the broker's start replaced by a stub."""
    bootstraps: list[str] = []

    def stub(settings: Settings, bootstrap: str, *_: object) -> None:
        bootstraps.append(bootstrap)
        if fails:
            raise RuntimeError("the demo failed")

    monkeypatch.setattr(demo_run, "_run", stub)
    said: list[str] = []
    demo_run.run_demo(settings, say=said.append, stop=threading.Event(), confined=confined)
    assert bootstraps == [settings.kafka_bootstrap or "127.0.0.1:19092"]
    return said


@pytest.mark.parametrize("fails", [False, True])
def test_the_demo_stops_the_broker_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    settings = Settings(kafka_bootstrap=None, local_broker_script=write_script(tmp_path, STARTS))
    if fails:
        with pytest.raises(RuntimeError):
            run_demo_with(monkeypatch, settings, fails=True)
    else:
        said = run_demo_with(monkeypatch, settings)
        assert "broker: fetched 3 of ~94 jars (1.2 of ~63 MB), latest a.jar" in said
        assert said[-2:] == ["broker: plain profile stopped", "demo stopped"]
    assert calls(tmp_path) == ["start", "stop"]


def test_the_demo_leaves_a_running_broker_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(kafka_bootstrap=None, local_broker_script=write_script(tmp_path, RUNNING))
    said = run_demo_with(monkeypatch, settings)
    assert said == ["broker: plain profile already running (pid 42)", "demo stopped"]
    assert calls(tmp_path) == ["start"]


def test_the_demo_leaves_a_configured_broker_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        kafka_bootstrap="b:9092", local_broker_script=write_script(tmp_path, STARTS)
    )
    assert run_demo_with(monkeypatch, settings) == ["demo stopped"]
    assert calls(tmp_path) == []


def test_a_broker_that_will_not_stop_does_not_hide_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = write_script(
        tmp_path,
        """case "$1" in
  start) echo started; echo 127.0.0.1:19092 ;;
  stop) echo "broker: could not stop it" >&2; exit 1 ;;
esac
""",
    )
    said = run_demo_with(monkeypatch, Settings(kafka_bootstrap=None, local_broker_script=script))
    assert said[-2:] == [
        "the local broker was not stopped: broker: could not stop it",
        "demo stopped",
    ]


def test_the_demo_runs_on_the_sasl_profile_unless_told_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(kafka_bootstrap=None, local_broker_script=write_script(tmp_path, STARTS))
    run_demo_with(monkeypatch, settings, confined=True)
    assert calls(tmp_path) == ["start --sasl", "stop --sasl"]
