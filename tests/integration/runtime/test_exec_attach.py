"""exec (with exit codes and a tty) and attach (output and stdin) through conmon's sockets."""

from __future__ import annotations

import io
import os
import signal
import threading
import time

import pytest

from mocker.errors import CommandNotFound, Conflict, InvalidArgument
from mocker.runtime.base import ExecSpec, Status
from mocker.runtime.linux.attach import parse_detach_keys

pytestmark = pytest.mark.root


def test_exec_returns_the_exit_code_and_separates_streams(rt) -> None:
    cid = rt.run("sleep", "1000")
    out, err = io.BytesIO(), io.BytesIO()
    code = rt.runtime.exec(cid, ExecSpec(args=("sh", "-c", "echo hi; echo oops >&2; exit 5")), stdout=out, stderr=err)
    assert code == 5
    assert out.getvalue() == b"hi\n" and err.getvalue() == b"oops\n"
    assert not os.listdir(os.path.join(rt.runtime.run_dir(cid), "exec"))


def test_exec_env_user_and_workdir(rt) -> None:
    cid = rt.run("sleep", "1000", env=("A=container", "B=kept"))
    out = io.BytesIO()
    spec = ExecSpec(args=("sh", "-c", 'echo "$A $B $HOME $(id -u) $(pwd)"'), env=("A=exec",), user="nobody",
                    workdir="/tmp")
    assert rt.runtime.exec(cid, spec, stdout=out) == 0
    assert out.getvalue() == b"exec kept /nonexistent 65534 /tmp\n"
    with pytest.raises(InvalidArgument):
        rt.runtime.exec(cid, ExecSpec(args=("true",), user="nosuchuser"))


def test_exec_of_a_missing_command_is_command_not_found(rt) -> None:
    cid = rt.run("sleep", "1000")
    with pytest.raises(CommandNotFound) as info:
        rt.runtime.exec(cid, ExecSpec(args=("nosuchcommand",)))
    assert info.value.exit_code == 127
    assert rt.runtime.state(cid).status is Status.RUNNING


def test_exec_with_stdin(rt) -> None:
    cid = rt.run("sleep", "1000")
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"line one\nline two\n")
    os.close(write_fd)
    out = io.BytesIO()
    try:
        code = rt.runtime.exec(cid, ExecSpec(args=("wc", "-l"), open_stdin=True), stdin=read_fd, stdout=out)
    finally:
        os.close(read_fd)
    assert code == 0 and out.getvalue().strip() == b"2"


def test_tty_exec_has_a_terminal_of_the_given_size(rt) -> None:
    cid = rt.run("sleep", "1000")
    out = io.BytesIO()
    spec = ExecSpec(args=("sh", "-c", "tty; stty size; exit 2"), tty=True)
    assert rt.runtime.exec(cid, spec, stdout=out, size=(33, 101)) == 2
    lines = out.getvalue().decode().splitlines()
    assert lines[0].startswith("/dev/pts/") and lines[1].strip() == "33 101"
    assert b"\r\n" in out.getvalue()                # a real pty (onlcr)


def test_detached_exec_keeps_running(rt) -> None:
    cid = rt.run("sleep", "1000")
    assert rt.runtime.exec(cid, ExecSpec(args=("sh", "-c", "echo done > /tmp/detached"), detach=True)) == 0
    deadline = time.monotonic() + 5
    upper = os.path.join(rt.runtime.bundle_dir(cid), "upper", "tmp", "detached")
    while not (os.path.exists(upper) and open(upper).read()) and time.monotonic() < deadline:
        time.sleep(0.02)                        # (the shell creates the file, then writes)
    assert open(upper).read() == "done\n"


def test_attach_receives_output_of_a_running_container(rt) -> None:
    cid = rt.run("sh", "-c", "while true; do echo tick; sleep 0.1; done")
    got = bytearray()
    seen = threading.Event()

    def collect(data: bytes) -> None:
        got.extend(data)
        if b"tick\ntick\n" in got:
            seen.set()

    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(rt.runtime.attach(cid, stdout=collect)))
    thread.start()
    assert seen.wait(10)
    rt.runtime.kill(cid, signal.SIGKILL)
    thread.join(10)
    assert not thread.is_alive() and result and not result[0].detached   # type: ignore[attr-defined]


def test_attach_sends_stdin_to_cat_and_eof_closes_it_with_stdin_once(rt) -> None:
    cid = rt.run("cat", open_stdin=True, stdin_once=True)       # docker run -i
    read_fd, write_fd = os.pipe()
    out = io.BytesIO()
    thread = threading.Thread(target=lambda: rt.runtime.attach(cid, stdin=read_fd, stdout=out))
    thread.start()
    os.write(write_fd, b"hello cat\n")
    os.close(write_fd)
    thread.join(10)
    os.close(read_fd)
    assert not thread.is_alive()
    assert out.getvalue() == b"hello cat\n"
    assert rt.runtime.wait(cid, timeout=10) == 0


def test_without_stdin_once_stdin_stays_open_for_the_next_client(rt) -> None:
    cid = rt.run("cat", open_stdin=True)                        # docker run -d -i
    clients = []
    for text in (b"first\n", b"second\n"):
        read_fd, write_fd = os.pipe()
        got = bytearray()
        thread = threading.Thread(target=rt.runtime.attach, args=(cid,),
                                  kwargs={"stdin": read_fd, "stdout": got.extend})
        thread.start()
        os.write(write_fd, text)
        os.close(write_fd)                      # this client's EOF does not close cat's stdin
        deadline = time.monotonic() + 10
        while text not in got and time.monotonic() < deadline:
            time.sleep(0.01)
        assert text in got
        clients.append((thread, read_fd))
    assert rt.runtime.state(cid).status is Status.RUNNING
    rt.runtime.kill(cid, signal.SIGKILL)
    for thread, read_fd in clients:
        thread.join(10)
        os.close(read_fd)
        assert not thread.is_alive()
    assert rt.runtime.wait(cid, timeout=10) == 137


def _tty_session(rt, cid: str, line: bytes, *, start: bool = False) -> bytes:
    """Attach, (start,) type ``line``, wait for its echo, detach with ctrl-p ctrl-q; the output."""
    read_fd, write_fd = os.pipe()
    out = io.BytesIO()
    result: list[object] = []
    connected = threading.Event()
    thread = threading.Thread(target=lambda: result.append(
        rt.runtime.attach(cid, stdin=read_fd, stdout=out, on_connect=connected.set)))
    thread.start()
    assert connected.wait(5)
    if start:
        rt.runtime.start(cid)
        rt.runtime.resize(cid, 40, 120)
        time.sleep(0.2)
    os.write(write_fd, line + b"\r")
    deadline = time.monotonic() + 10
    while b"got " + line not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    os.write(write_fd, parse_detach_keys("ctrl-p,ctrl-q"))
    thread.join(10)
    os.close(write_fd)
    os.close(read_fd)
    assert result and result[0].detached                     # type: ignore[attr-defined]
    return out.getvalue()


def test_tty_container_attach_resize_detach_and_attach_again(rt) -> None:
    cid = rt.create("sh", "-c", "while read line; do stty size; echo got $line; done", tty=True, open_stdin=True)
    first = _tty_session(rt, cid, b"abc", start=True)
    assert b"40 120" in first and b"got abc" in first
    assert rt.runtime.state(cid).status is Status.RUNNING
    second = _tty_session(rt, cid, b"def")                   # the terminal's input survived the detach
    assert b"got def" in second
    assert rt.runtime.state(cid).status is Status.RUNNING


def test_parse_detach_keys() -> None:
    assert parse_detach_keys("ctrl-p,ctrl-q") == b"\x10\x11"
    assert parse_detach_keys("a,ctrl-@") == b"a\x00"
    with pytest.raises(InvalidArgument):
        parse_detach_keys("ctrl-pp")


def test_exec_in_a_paused_or_stopped_container_is_a_conflict(rt) -> None:
    cid = rt.run("sleep", "1000")
    rt.runtime.pause(cid)
    with pytest.raises(Conflict, match="paused"):
        rt.runtime.exec(cid, ExecSpec(args=("true",)))
    rt.runtime.resume(cid)
    rt.runtime.kill(cid, signal.SIGKILL)
    rt.runtime.wait(cid, timeout=10)
    with pytest.raises(Conflict, match="not running"):
        rt.runtime.exec(cid, ExecSpec(args=("true",)))


def test_interactive_tty_exec(rt) -> None:
    cid = rt.run("sleep", "1000")
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"echo inside $((40 + 2))\nexit 3\n")
    out = io.BytesIO()
    try:
        code = rt.runtime.exec(cid, ExecSpec(args=("sh",), tty=True, open_stdin=True), stdin=read_fd, stdout=out)
    finally:
        os.close(write_fd)
        os.close(read_fd)
    assert code == 3
    assert b"inside 42" in out.getvalue()


def test_forward_signals_and_raw_terminal_helpers() -> None:
    import termios

    from mocker.runtime.linux.attach import forward_signals, raw_terminal

    sent: list[int] = []
    winched: list[bool] = []
    with forward_signals(sent.append, on_winch=lambda: winched.append(True), signals=(signal.SIGUSR1,)):
        os.kill(os.getpid(), signal.SIGUSR1)
        os.kill(os.getpid(), signal.SIGWINCH)
    assert sent == [signal.SIGUSR1] and winched == [True]
    assert signal.getsignal(signal.SIGUSR1) is signal.SIG_DFL
    main_fd, term_fd = os.openpty()
    try:
        with raw_terminal(term_fd):
            assert not termios.tcgetattr(term_fd)[3] & termios.ICANON
        assert termios.tcgetattr(term_fd)[3] & termios.ICANON
    finally:
        os.close(main_fd)
        os.close(term_fd)


def test_privileged_exec_gets_the_hosts_capabilities(rt) -> None:
    cid = rt.run("sleep", "1000")
    plain, privileged = io.BytesIO(), io.BytesIO()
    script = "grep CapEff /proc/self/status"
    assert rt.runtime.exec(cid, ExecSpec(args=("sh", "-c", script)), stdout=plain) == 0
    assert rt.runtime.exec(cid, ExecSpec(args=("sh", "-c", script), privileged=True), stdout=privileged) == 0
    assert int(privileged.getvalue().split()[1], 16) > int(plain.getvalue().split()[1], 16)


def test_detach_matcher_passes_on_what_is_not_the_sequence() -> None:
    from mocker.runtime.linux.attach import DetachMatcher

    m = DetachMatcher(b"\x10\x11")
    assert m.feed(b"ab\x10") == (b"ab", False)
    assert m.feed(b"\x10") == (b"\x10", False)       # the first ctrl-p was not the start after all
    assert m.feed(b"x") == (b"\x10x", False)
    assert m.feed(b"\x10\x11rest") == (b"", True)
    assert DetachMatcher(b"").feed(b"\x10\x11") == (b"\x10\x11", False)
