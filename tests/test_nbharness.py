"""The test harness notices a notebook kernel that died, in seconds rather than at the timeout."""

import time
from queue import Empty

import pytest
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, RunningKernel

from tests import nbharness


def test_a_kernel_that_dies_fails_its_cell_within_seconds():
    nbharness.fail_fast_when_a_kernel_dies()
    kernel = RunningKernel(CURRENT_ENV_KERNEL_NAME)
    try:
        crash = (
            "import os, signal\n"
            "os.write(2, b'F0000 check failed: the last words\\n')\n"
            "os.kill(os.getpid(), signal.SIGKILL)"
        )
        msg_id = kernel.execute_cell_input(crash, allow_stdin=False)
        start = time.monotonic()
        died = r"the kernel died \(exit status -9\); its stderr ended: .*the last words$"
        with pytest.raises(RuntimeError, match=died):
            kernel.await_reply(msg_id, timeout=600)  # nbval passes the 40-minute cell timeout
        assert time.monotonic() - start < 30
    finally:
        kernel.stop()


def test_a_live_kernel_still_answers_and_still_times_out():
    nbharness.fail_fast_when_a_kernel_dies()
    kernel = RunningKernel(CURRENT_ENV_KERNEL_NAME)
    try:
        kernel.await_reply(kernel.execute_cell_input("x = 1", allow_stdin=False), timeout=60)
        slow = kernel.execute_cell_input("import time\ntime.sleep(20)", allow_stdin=False)
        start = time.monotonic()
        with pytest.raises(Empty):  # what nbval expects at its cell timeout
            kernel.await_reply(slow, timeout=7)
        assert 6 < time.monotonic() - start < 15
    finally:
        kernel.stop()
