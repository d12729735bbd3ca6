"""gunicorn's gthread worker with a lane of its own for liveness probes (`gunicorn.conf.py` names it).

In gthread a worker's main thread accepts connections and hands each request to a pool of GUNICORN_THREADS
threads. When every thread is busy (a list being built after a write, with the other requests for it waiting for
that one build; a slow client; a database lock wait) a load balancer's `GET /health` waits in the pool's queue
behind them, and a worker that is merely busy looks dead. Here the main thread looks at the first bytes of each
request before handing it over (a peek: nothing is read), and a complete `GET` or `HEAD` of `/health` goes to a
thread of its own instead; every other request goes to the pool exactly as in gthread. A request whose first
bytes have not arrived yet waits in the poller (gthread's own pending connections), not in a thread.

It builds on gthread's internals (`pending_conns`, `method_queue`, `on_pending_socket_readable`, the parser's read-ahead
buffer), as gunicorn 27.0.1 has them: requirements.txt pins that release, and tests/wiring/test_probe_lane.py runs
this worker under real gunicorn, so a release that changes them fails there first.

Only a probe whose whole head has already arrived takes the lane, so a client trickling bytes cannot hold it.
The probe still runs the app (Django answers `/health` in its first middleware, fallbacks.api.middleware), so it
says that this process answers; `/health/readiness`, which touches the database, takes the pool like any request.
"""

import selectors
import socket
import sys
import time
from concurrent import futures
from functools import partial

from gunicorn.workers.gthread import ThreadWorker

PROBE_REQUEST_STARTS = (b"GET /health ", b"GET /health?", b"HEAD /health ", b"HEAD /health?")
END_OF_HEAD = b"\r\n\r\n"
PEEK_BYTES = 4096  # a probe's whole head fits: a request line and a few headers
PROBE_THREADS = 1
# How long a thread may hold the interpreter lock while another waits for it (Python's default is 5 ms): a list
# being built after a write is pure Python for a few hundred milliseconds, and a probe waits for the lock in steps
# of this long. 1 ms measured: /health p99 under the load test halved, the lists' throughput unchanged.
SWITCH_INTERVAL = 0.001


class ProbeLaneWorker(ThreadWorker):
    def init_process(self):
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.probe_pool = futures.ThreadPoolExecutor(max_workers=PROBE_THREADS, thread_name_prefix="probe")
        super().init_process()

    def handle_quit(self, sig, frame):
        self.probe_pool.shutdown(wait=False)
        super().handle_quit(sig, frame)

    def enqueue_req(self, conn):
        """Called on the main thread for every request: a new connection, or the next request of a kept one."""
        if self.cfg.is_ssl:  # TLS in gunicorn itself: the bytes are encrypted and cannot be peeked at; gthread's way
            super().enqueue_req(conn)
            return
        start = self._request_start(conn)
        if start is None:
            self._wait_for_request(conn)
        elif start.startswith(PROBE_REQUEST_STARTS) and END_OF_HEAD in start:
            future = self.probe_pool.submit(self.handle, conn)
            future.add_done_callback(lambda done: self.method_queue.defer(self.finish_request, conn, done))
        else:
            super().enqueue_req(conn)

    @staticmethod
    def _request_start(conn) -> bytes | None:
        """The request's first bytes, without taking them; None when none has arrived yet."""
        if conn.parser is not None:
            buffered = conn.parser.unreader.buf.getvalue()  # read ahead with the previous request
            if buffered:
                return buffered
        try:
            return conn.sock.recv(PEEK_BYTES, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None
        except OSError:
            return b""  # a broken connection: the pool's handler closes it, as gthread does

    def _wait_for_request(self, conn):
        """Park the connection in the poller until its request arrives (gthread's deferred connections)."""
        conn.sock.setblocking(False)
        conn.timeout = time.monotonic() + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))
