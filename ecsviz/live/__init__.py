"""The live dashboard's pipeline, from a committed write to every open browser.

    write (control plane)                    any process
      └─ Cluster.record_event ── on_commit ─> notify.announce ──> group "cluster-<id>"
                                                                   │  (channel layer: memory or Redis)
    ClusterFeed (one per cluster per process) <────────────────────┘
      ├─ coalesces notes into ticks, at most TICKS_PER_SECOND
      ├─ reads the event log since its last tick: the log, not the note, says what changed
      ├─ renders the changed instance cards, totals and timeline entries once (ticks.render_tick)
      └─ hands the same bytes to each local ClusterConsumer

Notes only wake the feed; a feed that misses one still catches up on its next poll, because the
event sequence number in the database is the truth. Each tick names the sequence numbers it spans,
so a browser that sees a gap, or reconnects, fetches a fresh snapshot instead of guessing.
"""

from __future__ import annotations
