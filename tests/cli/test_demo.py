"""``kinformer demo``: the simulated cluster, the fault schedule and recovery rule, the screen,
and one short run of the whole demo in plain mode (spec A-30 … A-32, A-44, A-46, G-15).
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections import Counter

import pytest
from rich.console import Console

from kinformer.cli._controller import deployment_key_of_pod, node_of
from kinformer.cli._main import build_parser, main
from kinformer.cli._monitor import (
    FAULT_ORDER,
    FaultKind,
    FaultSchedule,
    InformerSample,
    PendingFault,
    format_relists,
    plain_informer_line,
    rate,
    recovered,
    recovery_summary,
)
from kinformer.cli._simulation import (
    ClusterModel,
    Create,
    Delete,
    Patch,
    SimulationOptions,
    UpdateStatus,
)
from kinformer.cli._views import ControllerView, DemoView, FeedLine, InformerRow, render

NOW = 1_800_000_000.0


# ------------------------------------------------------------------------------ the model


def test_simulation_initial_cluster_has_the_requested_shape() -> None:
    model = ClusterModel(SimulationOptions(pods=300, namespaces=4, nodes=6, seed=3), now=NOW)
    objects = list(model.initial_objects(NOW))
    kinds = Counter(obj["kind"] for obj in objects)
    assert kinds == {
        "Namespace": 4,
        "Node": 6,
        "Pod": 300,
        "Deployment": 7,  # about 40 pods each, at least one per namespace
        "ReplicaSet": 7,
        "ConfigMap": 14,
    }
    assert model.counts() == {
        "pods": 300,
        "deployments.apps": 7,
        "replicasets.apps": 7,
        "nodes": 6,
        "configmaps": 14,
    }
    nodes = {obj["metadata"]["name"] for obj in objects if obj["kind"] == "Node"}
    pods = [obj for obj in objects if obj["kind"] == "Pod"]
    assert {pod["spec"]["nodeName"] for pod in pods} <= nodes
    assert all(pod["status"]["phase"] == "Running" for pod in pods)
    # Realistic objects: about the 3.5 KB of JSON of a real pod, owned by a ReplicaSet.
    import orjson

    sizes = [len(orjson.dumps(pod)) for pod in pods]
    assert 2500 < sum(sizes) / len(sizes) < 4500
    owners = {obj["metadata"]["uid"] for obj in objects if obj["kind"] == "ReplicaSet"}
    assert {pod["metadata"]["ownerReferences"][0]["uid"] for pod in pods} <= owners
    model.check()


def test_simulation_same_seed_same_cluster_and_writes() -> None:
    def run(seed: int) -> tuple[list[str], list[object]]:
        model = ClusterModel(SimulationOptions(pods=50, namespaces=2, nodes=3, seed=seed), now=NOW)
        names = [obj["metadata"]["name"] for obj in model.initial_objects(NOW)]
        writes = [w for i in range(100) for w in model.next_writes(NOW + i)]
        return names, writes

    assert run(7) == run(7)
    assert run(7)[0] != run(8)[0]


@pytest.mark.slow
def test_simulation_writes_keep_the_invariants_and_mix_every_kind() -> None:
    model = ClusterModel(SimulationOptions(pods=120, namespaces=3, nodes=4, seed=1), now=NOW)
    kinds: Counter[str] = Counter()
    for step in range(3000):
        writes = model.next_writes(NOW + step)
        assert 1 <= len(writes) <= 3
        for write in writes:
            kind = write.obj["kind"] if isinstance(write, Create) else write.kind
            kinds[f"{type(write).__name__} {kind}"] += 1
        model.check()
    assert model.writes == sum(kinds.values())
    for expected in (
        "Create Pod",
        "Delete Pod",
        "Patch Pod",  # bound to a node, labels
        "UpdateStatus Pod",  # Running
        "Patch Deployment",  # rolling update
        "Create ReplicaSet",
        "Patch ReplicaSet",  # old ReplicaSet scaled to zero
        "UpdateStatus Deployment",
        "Patch ConfigMap",
        "UpdateStatus Node",
    ):
        assert kinds[expected] > 0, expected
    assert kinds["Create Pod"] == kinds["Delete Pod"]


def test_simulation_small_and_crowded_clusters_keep_the_invariants() -> None:
    # One deployment: a rollout is always in progress when the next one is due.
    tiny = ClusterModel(SimulationOptions(pods=2, namespaces=1, nodes=1), now=NOW)
    for step in range(300):
        tiny.next_writes(NOW + step)
        tiny.check()
    # 50 deployments in one namespace: app names clash and get a suffix.
    crowded = ClusterModel(SimulationOptions(pods=2000, namespaces=1, nodes=2), now=NOW)
    names = [d.name for d in crowded.deployments]
    assert len(names) == len(set(names)) == 50
    assert any(name.rsplit("-", 1)[-1].isdigit() for name in names)


def test_simulation_options_reject_empty_clusters() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        SimulationOptions(pods=0)
    assert SimulationOptions(pods=3, namespaces=10).deployments == 3


@pytest.mark.slow
def test_simulation_writes_apply_to_the_fake_api_server() -> None:
    from kinformer import ApiError
    from kinformer.testing import FakeApiServer

    model = ClusterModel(SimulationOptions(pods=40, namespaces=2, nodes=3, seed=2), now=NOW)
    server = FakeApiServer()  # not started: the engine alone, no HTTP
    server.seed(model.initial_objects(NOW))
    rejected = 0
    for step in range(250):
        for write in model.next_writes(NOW + step):
            try:
                match write:
                    case Create(obj):
                        server.create(obj)
                    case Patch(api_version, kind, namespace, name, patch):
                        server.patch(api_version, kind, name, patch, namespace)
                    case UpdateStatus(api_version, kind, namespace, name, status):
                        obj = server.get(api_version, kind, name, namespace)
                        obj["status"] = {**obj.get("status", {}), **status}
                        server.update_status(obj)
                    case Delete(api_version, kind, namespace, name):
                        server.delete(api_version, kind, name, namespace)
            except ApiError:
                rejected += 1  # a follow-up of a pod deleted meanwhile
    assert rejected < 20
    pods = server.list("v1", "Pod")
    assert len(pods) == 40
    assert {p["metadata"]["name"] for p in pods} == {
        name for d in model.deployments for name in d.pods
    }


def test_demo_index_and_owner_functions() -> None:
    pod = {
        "metadata": {
            "namespace": "shop",
            "name": "web-5d8f9c7b6d-x2x2x",
            "labels": {"pod-template-hash": "5d8f9c7b6d"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d8f9c7b6d"}],
        },
        "spec": {"nodeName": "node-1"},
    }
    assert node_of(pod) == ["node-1"]
    assert node_of({"spec": {}}) == []
    assert deployment_key_of_pod(pod) == "shop/web"
    assert deployment_key_of_pod({"metadata": {"name": "lonely"}}) is None


# ------------------------------------------------------------------------------ faults and recovery


def sample(name: str = "pods", **fields: object) -> InformerSample:
    values: dict[str, object] = {
        "name": name,
        "synced": True,
        "objects": 10,
        "events": 0,
        "lists": 1,
        "watches_opened": 1,
    }
    values.update(fields)
    return InformerSample(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(sample(), False, id="nothing-happened-yet"),
        pytest.param(sample(watches_opened=2), True, id="re-watched-after-drop-A-30"),
        pytest.param(
            sample(watches_opened=2, relists={"watch-expired": 1}),
            False,
            id="410-watch-opened-but-relist-owed-A-32",
        ),
        pytest.param(
            sample(watches_opened=2, lists=2, relists={"watch-expired": 1}),
            True,
            id="relisted-after-410-A-44",
        ),
        pytest.param(
            sample(watches_opened=3, lists=2, relists={"watch-expired": 1, "list-error": 1}),
            True,
            id="a-failed-list-owes-no-list",
        ),
        pytest.param(sample(watches_opened=2, synced=False), False, id="not-synced"),
    ],
)
def test_monitor_recovered_A_30_A_32(after: InformerSample, expected: bool) -> None:
    assert recovered(sample(), after) is expected


def test_monitor_pending_fault_is_over_when_every_informer_recovered() -> None:
    before = {"pods": sample("pods"), "nodes": sample("nodes")}
    fault = PendingFault(FaultKind.COMPACTION, 10.0, before)
    half = [sample("pods", watches_opened=2), sample("nodes")]
    assert not fault.is_over(half)
    done = [
        sample("pods", watches_opened=2),
        sample(
            "nodes", watches_opened=3, lists=2, relists={"watch-expired": 1}, errors={"Expired": 1}
        ),
    ]
    assert fault.is_over(done)
    assert fault.summary(done) == (
        "pods: watch re-opened 1x; nodes: relisted 1x (watch-expired=1), errors Expired=1, "
        "watch re-opened 2x"
    )
    assert recovery_summary(sample(), sample(watches_opened=2)) == "pods: watch re-opened 1x"


def test_monitor_fault_schedule_cycles_and_waits() -> None:
    schedule = FaultSchedule.for_duration(5.0)
    assert schedule.interval == 1.0
    assert schedule.first_after == 1.0
    assert schedule.due(synced_at=2.0, now=2.5, injected=0, last_injected_at=None) is None
    kinds = [
        schedule.due(
            synced_at=2.0, now=3.0 + i, injected=i, last_injected_at=2.0 + i if i else None
        )
        for i in range(5)
    ]
    assert kinds == [*FAULT_ORDER, FaultKind.DROPPED_WATCH]
    assert schedule.due(synced_at=2.0, now=3.5, injected=1, last_injected_at=3.0) is None
    assert FaultSchedule.for_duration(None).interval == 8.0
    assert FaultSchedule.for_duration(600).interval == 8.0
    fault = PendingFault(FaultKind.WATCH_RESET, 0.0, {})
    assert not schedule.timed_out(fault, 30.0)
    assert schedule.timed_out(fault, 30.5)
    assert all(kind.description for kind in FaultKind)


def test_monitor_plain_line_and_rates() -> None:
    line = plain_informer_line(
        sample(
            events=120, relists={"watch-expired": 1, "list-error": 0}, watches_opened=3, backlog=2
        ),
        60.0,
    )
    assert line == (
        "informer pods              synced objects=10 events=120 (60.0/s) relists=1 "
        "[watch-expired=1] watch-restarts=2 backlog=2"
    )
    assert rate(10, 70, 2.0) == 30.0
    assert rate(10, 70, 0.0) == 0.0
    assert format_relists({}) == "-"


# ------------------------------------------------------------------------------ the screen


def test_views_render_every_panel() -> None:
    rows = [
        InformerRow(
            sample("pods", events=500, relists={"watch-expired": 1}), 125.0, 3000, 3000, 1.25
        ),
        InformerRow(sample("nodes", synced=False, objects=0), 0.0, 0, 20, None),
    ]
    view = DemoView(
        title="kinformer demo",
        elapsed=12.5,
        duration=20.0,
        writes=1800,
        writes_per_second=150.0,
        informers=rows,
        controller=ControllerView(
            workers=2,
            queue_depth=3,
            reconciles=900,
            reconciles_per_second=75.0,
            failures=40,
            retries=38,
            last_result="shop/web: 3/3 ready on 2 nodes",
            busiest_nodes=[("node-a", 160)],
        ),
        events=[FeedLine(12.0, "green", "added   pod shop/web-1")],
        faults=[FeedLine(10.0, "bold red", "FAULT compaction: ...")],
    )
    console = Console(file=io.StringIO(), width=140, color_system=None)
    console.print(render(view))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    for expected in (
        "12.5s / 20s",
        "1,800 writes (150/s)",
        "synced in 1.25s",
        "listing...",
        "3,000/3,000",
        "1 watch-expired=1",
        "125.0",
        "controller (2 workers)  queue 3",
        "reconciles 900 (75/s)",
        "retries 38 (rate-limited)",
        "shop/web: 3/3 ready on 2 nodes",
        "node-a 160",
        "FAULT compaction",
        "added   pod shop/web-1",
    ):
        assert expected in text, expected
    empty = Console(file=io.StringIO(), width=140, color_system=None)
    empty.print(render(DemoView("t", 0.0, None, 0, 0.0, rows[1:], view.controller)))
    assert "(nothing yet)" in empty.file.getvalue()  # type: ignore[attr-defined]
    assert "Ctrl-C" in empty.file.getvalue()  # type: ignore[attr-defined]


def test_views_fit_the_terminal_height_newest_feed_lines_kept() -> None:
    rows = [InformerRow(sample(name), 10.0, 10, 10, 0.5) for name in ("pods", "nodes")]
    controller = ControllerView(2, 0, 1, 1.0, 0, 0, "")
    view = DemoView(
        title="kinformer demo",
        elapsed=3.0,
        duration=None,
        writes=10,
        writes_per_second=5.0,
        informers=rows,
        controller=controller,
        events=[FeedLine(float(i), "", f"event-{i}") for i in range(40)],
        faults=[FeedLine(float(i), "", f"fault-{i}") for i in range(5)],
    )
    tall = Console(file=io.StringIO(), width=100, height=24, color_system=None)
    tall.print(render(view, console=tall))
    text = tall.file.getvalue()  # type: ignore[attr-defined]
    assert "synced: pods 10 in 0.50s  nodes 10 in 0.50s" in text
    assert len(text.splitlines()) <= 24
    assert "fault-4" in text
    assert "fault-1" not in text  # three fault lines at most
    assert "event-39" in text
    assert "event-0\n" not in text
    short = Console(file=io.StringIO(), width=100, height=10, color_system=None)
    short.print(render(view, console=short))
    assert "event-" not in short.file.getvalue()  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ the whole demo


@pytest.mark.slow
def test_demo_plain_run_syncs_flows_survives_faults_and_exits_cleanly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    threads_before = set(threading.enumerate())
    started = time.monotonic()
    code = main(["demo", "--duration", "5", "--pods", "300", "--plain", "--seed", "1"])
    took = time.monotonic() - started
    captured = capsys.readouterr()
    out = captured.out
    assert code == 0
    assert took < 9, took
    # The server and its seeded cluster.
    assert re.search(
        r"fake API server at http://127\.0\.0\.1:\d+: seeded [\d,]+ objects \(300 pods", out
    )
    # Every informer synced, with every object of its initial list.
    for resource in ("pods", "deployments.apps", "nodes", "configmaps"):
        assert re.search(rf"synced {re.escape(resource)}: [\d,]+ objects in [\d.]+s", out), resource
    assert "synced pods: 300 objects" in out
    # Events flowing into the caches, a controller reconciling.
    pods_events = [
        int(m) for m in re.findall(r"informer pods +synced objects=\d+ events=(\d+)", out)
    ]
    assert pods_events
    assert max(pods_events) > 50
    reconciles = [int(m) for m in re.findall(r"controller queue=\d+ reconciles=(\d+)", out)]
    assert reconciles
    assert max(reconciles) > 0
    # At least one injected fault, and recovery from it.
    assert "FAULT dropped-watch: the server ended every watch stream" in out
    assert re.search(r"RECOVERED from dropped-watch after [\d.]+s: pods: watch re-opened", out)
    # A clean end: the summary, every thread joined, nothing on stderr, no credential.
    assert re.search(
        r"kinformer demo: finished after [\d.]+s: .* faults injected, \d+ recovered", out
    )
    assert captured.err == ""
    for secret in ("token", "Bearer", "BEGIN", "kubeconfig"):
        assert secret not in out
    deadline = time.monotonic() + 5
    while set(threading.enumerate()) - threads_before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert set(threading.enumerate()) - threads_before == set()


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, so the demo draws its live screen."""

    def isatty(self) -> bool:
        return True


@pytest.mark.slow
def test_demo_live_screen_on_a_terminal_until_stopped() -> None:
    from kinformer.cli._demo import run

    stream, stop = _Terminal(), threading.Event()
    args = build_parser().parse_args(["demo", "--pods", "60", "--nodes", "3", "--namespaces", "2"])
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(run(args, stop=stop, stream=stream)))
    thread.start()
    deadline = time.monotonic() + 10
    while "deleted pod " not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(10)
    assert codes == [0]
    screen = stream.getvalue()
    for expected in ("kinformer demo: 60 simulated pods", "synced: pods 60 in", "events/s", "handler",
                     "controller (2 workers)", "latest events"):  # fmt: skip
        assert expected in screen, expected
    assert "deleted pod " in screen  # the feed of latest events, once the simulation runs
    assert "kinformer demo: finished after" in screen.rstrip().splitlines()[-1]


@pytest.mark.slow
def test_demo_ctrl_c_ends_it_cleanly_with_exit_code_0() -> None:
    import signal
    import subprocess
    import sys

    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from kinformer.cli import main; sys.exit(main())",
            *("demo", "--pods", "100", "--plain"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "all informers synced" in line:
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert err == ""
    assert re.search(r"kinformer demo: interrupted after [\d.]+s: .* every thread stopped", out)


def test_demo_stops_when_asked_and_rejects_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--pods", "0", "--plain"]) == 2
    assert "at least 1" in capsys.readouterr().err
    assert main(["demo", "--duration", "-1", "--plain"]) == 2
    assert "must be positive" in capsys.readouterr().err
