"""The apple backend's readers of the CLI's JSON, fed the documented shapes (APPLE-CONTAINER.md §4)."""

from __future__ import annotations

from mocker.engine.apple.inspect import container_json, ps_row, status_text
from mocker.runtime.apple.argv import cpus_arg
from mocker.runtime.apple.shapes import APPLE_EPOCH, container_from_json, image_from_json, parse_date

V1 = {
    "configuration": {
        "capAdd": [], "capDrop": [], "creationDate": "2026-08-07T18:20:11Z", "id": "web",
        "image": {"descriptor": {"digest": "sha256:2fc1", "mediaType": "application/vnd.oci.image.index.v1+json",
                                 "size": 10229}, "reference": "docker.io/library/nginx:latest"},
        "initProcess": {"arguments": ["nginx", "-g", "daemon off;"], "environment": ["MODE=prod"],
                        "executable": "/docker-entrypoint.sh", "terminal": False,
                        "user": {"raw": {"userString": "nginx"}}, "workingDirectory": "/"},
        "labels": {"com.example.role": "frontend"},
        "mounts": [{"destination": "/html", "options": ["ro"], "source": "/Users/me/site", "type": {"virtiofs": {}}},
                   {"destination": "/data", "options": [], "source": "/x/volume.img",
                    "type": {"volume": {"cache": {"on": {}}, "format": "ext4", "name": "webdata"}}}],
        "networks": [{"network": "default", "options": {"hostname": "web.test.", "mtu": 1280}}],
        "platform": {"architecture": "arm64", "os": "linux"},
        "publishedPorts": [{"containerPort": 80, "count": 1, "hostAddress": "127.0.0.1", "hostPort": 8080,
                            "proto": "tcp"}],
        "resources": {"cpuOverhead": 1, "cpus": 2, "memoryInBytes": 1073741824}, "stopSignal": "SIGQUIT",
    },
    "id": "web",
    "status": {"networks": [{"hostname": "web.test.", "ipv4Address": "192.168.64.3/24", "ipv4Gateway": "192.168.64.1",
                             "macAddress": "5a:94:ef:e4:0c:ee", "network": "default"}],
               "startedDate": "2026-08-07T18:20:13Z", "state": "running"},
}

V0 = {"status": "stopped", "configuration": {"id": "old", "image": {"reference": "docker.io/library/alpine:3"},
                                             "initProcess": {"executable": "sh", "arguments": []}},
      "networks": [], "startedDate": 776283613.52}

V07 = {"status": "running", "configuration": {"id": "older", "image": {"reference": "x"},
                                              "initProcess": {"executable": "sh"}},
       "networks": [{"network": "default", "hostname": "older", "address": "192.168.64.9/24",
                     "gateway": "192.168.64.1"}]}


def test_dates_are_iso_in_1x_and_seconds_since_2001_in_0x() -> None:
    assert parse_date("2026-08-07T18:20:11Z") == 1786126811.0
    assert parse_date(0) == APPLE_EPOCH
    assert parse_date(776283613.52) == 776283613.52 + 978307200.0
    assert parse_date(None) is None and parse_date("garbage") is None


def test_1x_container_shape_becomes_docker_inspect_json() -> None:
    c = container_from_json(V1)
    doc = container_json(c)
    assert doc["Id"] == "web" and doc["State"]["Status"] == "running"
    assert doc["Created"] == "2026-08-07T18:20:11.000000000Z"
    assert doc["State"]["StartedAt"] == "2026-08-07T18:20:13.000000000Z"
    assert doc["Path"] == "/docker-entrypoint.sh" and doc["Args"] == ["nginx", "-g", "daemon off;"]
    assert doc["Config"]["User"] == "nginx" and doc["Config"]["StopSignal"] == "SIGQUIT"
    assert doc["HostConfig"]["Binds"] == ["/Users/me/site:/html:ro"]
    assert doc["Mounts"][1] == {"Type": "volume", "Name": "webdata", "Source": "/x/volume.img", "Destination": "/data",
                                "Driver": "local", "Mode": "", "RW": True, "Propagation": ""}
    assert doc["NetworkSettings"]["IPAddress"] == "192.168.64.3"
    assert doc["NetworkSettings"]["IPPrefixLen"] == 24
    assert doc["NetworkSettings"]["Networks"]["default"]["DNSNames"] == ["web.test"]
    assert doc["HostConfig"]["Memory"] == 1073741824 and doc["HostConfig"]["NanoCpus"] == 2_000_000_000
    assert ps_row(c)["Ports"] == "127.0.0.1:8080->80/tcp"


def test_0x_flat_shapes_become_the_same_records() -> None:
    old = container_from_json(V0)
    assert (old.id, old.state, old.image) == ("old", "stopped", "docker.io/library/alpine:3")
    assert old.started == 776283613.52 + APPLE_EPOCH
    assert container_json(old)["State"]["Status"] == "exited"
    assert status_text(old) == "Exited"     # the runtime reports no exit code
    older = container_from_json(V07)
    assert older.networks[0].ipv4 == "192.168.64.9/24" and older.networks[0].gateway == "192.168.64.1"
    assert status_text(older) == "Up"       # ≤0.7 has no startedDate


def test_image_shapes_of_every_version() -> None:
    v1 = image_from_json({"configuration": {"creationDate": "2026-07-15T21:04:55Z", "name": "docker.io/library/a:1",
                                            "descriptor": {"digest": "sha256:9a1f", "mediaType": "m", "size": 1}},
                          "id": "9a1f", "variants": [{"size": 100}, {"size": 23}]})
    assert (v1.reference, v1.digest, v1.size) == ("docker.io/library/a:1", "sha256:9a1f", 123)
    v012 = image_from_json({"reference": "docker.io/library/a:1", "fullSize": "71.8 MB",
                            "descriptor": {"digest": "sha256:9a1f", "mediaType": "m", "size": 1}})
    assert (v012.size, v012.size_text) == (None, "71.8 MB")
    inspect0 = image_from_json({"name": "docker.io/library/a:1", "index": {"digest": "sha256:9a1f"},
                                "variants": [{"size": 5}]})
    assert (inspect0.reference, inspect0.digest, inspect0.size) == ("docker.io/library/a:1", "sha256:9a1f", 5)


def test_fractional_cpus_round_up_to_whole_vcpus() -> None:
    assert [cpus_arg(n) for n in (1, 10**9, 1_500_000_000, 2 * 10**9, 2 * 10**9 + 1)] == ["1", "1", "2", "2", "3"]
