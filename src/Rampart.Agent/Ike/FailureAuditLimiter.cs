using System.Net;
using Rampart.Core.Auditing;

namespace Rampart.Agent.Ike;

/// <summary>
/// Keeps failure audits (545-547) from flooding the trail: anyone can make the responder refuse a Main Mode from any
/// source address, so unlimited, a flood would rotate the trail's history away. Per source and event, the first
/// failure of an interval is written and the rest are counted, then written as one summary record when the interval
/// ends; at most <c>perInterval</c> sources are written per interval, the failures of the others are counted into one
/// summary for all of them. So a flood writes at most 2 x <c>perInterval</c> + 1 records per interval, and the table
/// holds at most 2 x <c>perInterval</c> windows (each lasts one interval). Not thread-safe (the IKE loop's).
/// </summary>
internal sealed class FailureAuditLimiter(TimeSpan interval, int perInterval)
{
    private readonly Dictionary<(IPAddress Peer, AuditEventId EventId), Window> _windows = [];
    private DateTimeOffset? _intervalStart;
    private int _writtenInInterval;
    private long _overflow;
    private readonly HashSet<IPAddress> _overflowSources = [];
    private const int MaxOverflowSourcesCounted = 1024;

    /// <summary>Failure records not written individually since the start (each is in a summary).</summary>
    public long Suppressed { get; private set; }

    /// <summary>Per-source windows held now.</summary>
    public int Windows => _windows.Count;

    /// <summary>When <see cref="Flush"/> has a summary to write or a window to close; null = nothing held.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            DateTimeOffset? next = _intervalStart + interval;
            foreach (var window in _windows.Values)
            {
                var end = window.Start + interval;
                if (next is null || end < next)
                {
                    next = end;
                }
            }

            return next;
        }
    }

    /// <summary>Whether to write this failure now; if not, it is counted for a summary.</summary>
    public bool Admit(IPAddress peer, AuditEventId eventId, DateTimeOffset now, Action<IkeAuditRecord> write)
    {
        Flush(now, write);
        if (_windows.TryGetValue((peer, eventId), out var window))
        {
            window.Suppressed++;
            Suppressed++;
            return false;
        }

        _intervalStart ??= now;
        if (_writtenInInterval >= perInterval)
        {
            _overflow++;
            if (_overflowSources.Count < MaxOverflowSourcesCounted)
            {
                _overflowSources.Add(peer);
            }

            Suppressed++;
            return false;
        }

        _writtenInInterval++;
        _windows[(peer, eventId)] = new Window(now);
        return true;
    }

    /// <summary>Writes the summaries of the windows and the interval that ended by <paramref name="now"/>.</summary>
    public void Flush(DateTimeOffset now, Action<IkeAuditRecord> write)
    {
        if (NextDue is not { } due || due > now)
        {
            return; // the common case, after every IKE event: nothing ended
        }

        if (_windows.Count > 0)
        {
            foreach (var (key, window) in _windows.Where(w => now - w.Value.Start >= interval).ToList())
            {
                _windows.Remove(key);
                if (window.Suppressed > 0)
                {
                    write(IkeAuditRecords.SuppressedFailures(key.Peer, key.EventId, window.Suppressed, interval));
                }
            }
        }

        if (_intervalStart is { } start && now - start >= interval)
        {
            if (_overflow > 0)
            {
                write(IkeAuditRecords.SuppressedFailures(_overflow, _overflowSources.Count, _overflowSources.Count >= MaxOverflowSourcesCounted, interval));
            }

            _intervalStart = null;
            _writtenInInterval = 0;
            _overflow = 0;
            _overflowSources.Clear();
        }
    }

    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public long Suppressed { get; set; }
    }
}
