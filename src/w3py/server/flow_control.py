"""Flow-control limits of a connection, each bounding what one client can make the server hold."""

from __future__ import annotations

# Request body bytes buffered for a request whose handler has not read them yet; above it the connection
# stops reading from the socket until the handler catches up (uvicorn uses the same 64 KiB).
BODY_HIGH_WATER_BYTES = 64 * 1024

# Requests parsed but not yet answered on one connection (pipelining). At this count reading pauses; it
# resumes as responses go out. One read can still carry more requests than this: a read is bounded by the
# event loop's buffer, so the overshoot is too.
MAX_PIPELINED_REQUESTS = 32

# A request answered without reading its body: if no more than this much body is still to come and its
# length is known, the rest is read and thrown away so the connection can be kept; otherwise it is closed.
MAX_DRAIN_BYTES = 64 * 1024

# Transport write buffer marks: above HIGH the connection stops writing body data (and reading requests)
# until the client has taken enough of it to fall below LOW.
WRITE_HIGH_WATER_BYTES = 64 * 1024
WRITE_LOW_WATER_BYTES = 16 * 1024

# A FileBody goes to the socket with sendfile(2) in calls of at most this size (so one big file does not
# keep the loop from other connections), and through the transport in pieces of FILE_CHUNK_BYTES when the
# socket is full.
SENDFILE_CHUNK_BYTES = 1024 * 1024
FILE_CHUNK_BYTES = 64 * 1024

# After an error response the connection stops sending, but keeps reading (and discarding) for this long
# before closing, so that the client sees the response rather than a reset (lingering close).
LINGER_S = 2.0

# On a graceful stop (or a reload), a connection accepted but still without its first request gets this long
# to send it; it is then answered with Connection: close. Idle keep-alive connections close at once.
FIRST_REQUEST_GRACE_S = 2.0
