"""A bridge network's Linux bridge lives as long as the network, as ``docker0`` and Docker's
``br-<id>`` do — not as long as its last container.

netavark 1.4 deletes the bridge, its NAT/filter chains and rules when the last container's veth
leaves it (a "complete teardown", ~20 iptables calls: ~150 ms of a ~400 ms ``run --rm`` here), and
re-creates them for the next container. A "keeper" veth pair enslaved to the bridge makes netavark
see one more port, so it only ever removes the container's own veth and rules. :func:`drop` takes
the keeper away when the network itself is removed; the caller then lets netavark do the complete
teardown (see ``engine.networks.release_bridge``).

The keeper's names come from the network id (``mk`` + 12 hex digits, within IFNAMSIZ), so they are
unique per network across stores and found again without any state.
"""

from __future__ import annotations

import os
import subprocess

from mocker.hostbin import which


def names(network_id: str) -> tuple[str, str]:
    return f"mk{network_id[:12]}", f"mk{network_id[12:24]}"


def _exists(ifname: str) -> bool:
    return os.path.exists(f"/sys/class/net/{ifname}")


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([which("ip") or "/usr/sbin/ip", *args],  # noqa: S603 - argv list of interface names
                          capture_output=True, text=True, check=False)


def ensure(bridge: str, network_id: str) -> None:
    """Enslave the network's keeper to ``bridge`` (after a netavark setup made the bridge).
    Best effort: without a keeper, netavark's teardown is only slower."""
    keeper, peer = names(network_id)
    if _exists(keeper) or not _exists(bridge):
        return
    _ip("link", "add", keeper, "master", bridge, "up", "type", "veth", "peer", "name", peer)


def drop(network_id: str) -> None:
    """Delete the keeper (its peer goes with it)."""
    keeper, _ = names(network_id)
    if _exists(keeper):
        _ip("link", "del", keeper)


def bridge_exists(bridge: str) -> bool:
    return _exists(bridge)
