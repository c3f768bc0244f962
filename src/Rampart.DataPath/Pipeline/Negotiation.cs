using Rampart.DataPath.Buffers;

namespace Rampart.DataPath.Pipeline;

internal enum NegotiationKind : byte
{
    Pending,
    Soft,
    Blocked,
}

/// <summary>
/// The IKE state of one binding that has no outbound SA: pending (with its held packets), soft, or blocked.
/// Replaced, never changed, when the state moves on; <see cref="Close"/> hands the held packets to whoever replaced it.
/// </summary>
internal sealed class Negotiation(NegotiationKind kind, long timestamp, DateTimeOffset since, long untilTimestamp = long.MaxValue, DateTimeOffset? until = null)
{
    /// <summary>Larger packets (GSO/GRO super-packets) do not fit a pooled buffer with its ESP headroom and are not held.</summary>
    private const int MaxHeldPacketLength = 2048;

    private readonly Lock _gate = new();
    private readonly List<PacketBuffer> _held = [];
    private bool _closed;
    private long _heldSince;
    private long _lastUsedTimestamp = timestamp;

    public NegotiationKind Kind { get; } = kind;

    /// <summary>TimeProvider timestamp of the state's start.</summary>
    public long Timestamp { get; } = timestamp;

    public DateTimeOffset Since { get; } = since;

    /// <summary>End of a block, as a timestamp.</summary>
    public long UntilTimestamp { get; } = untilTimestamp;

    public DateTimeOffset? Until { get; } = until;

    /// <summary>TimeProvider timestamp of the last packet a soft state let through, to within the touch granularity.</summary>
    public long LastUsedTimestamp => Volatile.Read(ref _lastUsedTimestamp);

    /// <summary>
    /// Records a packet at <paramref name="now"/> on the packet path. Writes only when the stored time is at least
    /// <paramref name="granularity"/> old, so a busy flow reads a shared line instead of bouncing it between cores.
    /// </summary>
    public void Touch(long now, long granularity)
    {
        if (now - Volatile.Read(ref _lastUsedTimestamp) >= granularity)
        {
            Volatile.Write(ref _lastUsedTimestamp, now);
        }
    }

    /// <summary>Copies the packet into a pooled buffer; false when full or closed. Held packets older than <paramref name="staleBefore"/> are dropped first.</summary>
    public bool TryHold(PacketBuffer packet, PacketBufferPool pool, int maxHeld, long now, long staleBefore, DataPathStatistics statistics)
    {
        lock (_gate)
        {
            if (_held.Count > 0 && _heldSince < staleBefore)
            {
                statistics.CountHeldDropped(ReturnAll(pool));
            }

            if (_closed || _held.Count >= maxHeld || packet.Length > MaxHeldPacketLength)
            {
                return false;
            }

            if (_held.Count == 0)
            {
                _heldSince = now;
            }

            var copy = pool.Rent();
            copy.Load(packet.Span);
            _held.Add(copy);
            return true;
        }
    }

    /// <summary>Drops held packets older than <paramref name="staleBefore"/>; returns how many.</summary>
    public int DropStale(PacketBufferPool pool, long staleBefore)
    {
        lock (_gate)
        {
            return _held.Count > 0 && _heldSince < staleBefore ? ReturnAll(pool) : 0;
        }
    }

    /// <summary>Ends this state: no more packets are held; returns those held so far.</summary>
    public PacketBuffer[] Close()
    {
        lock (_gate)
        {
            _closed = true;
            PacketBuffer[] held = [.. _held];
            _held.Clear();
            return held;
        }
    }

    private int ReturnAll(PacketBufferPool pool)
    {
        var count = _held.Count;
        foreach (var buffer in _held)
        {
            pool.Return(buffer);
        }

        _held.Clear();
        return count;
    }
}
