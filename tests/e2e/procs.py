"""The processes the e2e test starts: each one logged to a file of its own, waited on
with a deadline, and stopped by its pid."""

import os
import signal
import subprocess
import time
from pathlib import Path

STOP_SECONDS = 15  # a graceful stop, then SIGKILL


class StepFailed(Exception):
    """A check failed. `logs` are the files that explain it; the runner shows them."""

    def __init__(self, message, logs=()):
        super().__init__(message)
        self.logs = [Path(log) for log in logs]


def wait_until(what, seconds, probe, every=0.2, logs=()):
    """Calls `probe` until it returns something true, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise StepFailed(f"{what}: not within {seconds:g}s", logs)
        time.sleep(every)


class Processes:
    """Every process started, in start order, so that they stop in reverse."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.running = {}  # name -> (Popen, stop signal)

    def log(self, name):
        return self.log_dir / f"{name}.log"

    def _open_log(self, name, argv):
        log = open(self.log(name), "ab")
        log.write(f"$ {' '.join(map(str, argv))}\n".encode())
        log.flush()
        return log

    def start(self, name, argv, env, cwd=None, stop_signal=signal.SIGTERM):
        """Starts a long-running process; stdout and stderr go to its log."""
        if name in self.running:
            raise StepFailed(f"{name} is already running")
        with self._open_log(name, argv) as log:
            process = subprocess.Popen(
                argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        self.running[name] = (process, stop_signal)
        return process

    def run(self, name, argv, env, cwd=None, timeout=60, stdout=None, stdin_text=None, check=True):
        """Runs a command to its end, its output appended to the log (stdout to the
        file `stdout` instead, if given). A non-zero exit fails the step unless
        `check` is false; running past `timeout` always does."""
        shown = " ".join(map(str, argv))
        with self._open_log(name, argv) as log, open(stdout or os.devnull, "wb") as out:
            try:
                done = subprocess.run(
                    argv, env=env, cwd=cwd, timeout=timeout,
                    input=None if stdin_text is None else stdin_text.encode(),
                    stdin=subprocess.DEVNULL if stdin_text is None else None,
                    stdout=out if stdout else log, stderr=log,
                )
            except subprocess.TimeoutExpired:
                raise StepFailed(f"`{shown}` did not finish within {timeout}s", [self.log(name)]) from None
        if check and done.returncode != 0:
            raise StepFailed(f"`{shown}` exited with {done.returncode}", [self.log(name)])
        return done.returncode

    def pid(self, name):
        return self.running[name][0].pid

    def exited(self, name):
        """The exit code of a started process, or None while it runs."""
        return self.running[name][0].poll()

    def wait_exit(self, name, seconds):
        process = self.running[name][0]
        try:
            return process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            raise StepFailed(f"{name} did not exit within {seconds}s", [self.log(name)])

    def stop(self, name):
        """Stops one process by its pid: its own graceful signal, then SIGKILL."""
        process, stop_signal = self.running.pop(name)
        if process.poll() is not None:
            return
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)

    def stop_all(self):
        for name in reversed(list(self.running)):
            self.stop(name)
