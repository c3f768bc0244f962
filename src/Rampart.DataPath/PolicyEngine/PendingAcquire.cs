using Rampart.DataPath.Buffers;

namespace Rampart.DataPath.PolicyEngine;

/// <summary>
/// What the data path keeps for a binding whose first packet raised an acquire: when, and the packets held meanwhile
/// (bounded). Everything else about the binding (negotiating, soft, blocked, its SAs) belongs to the agent's binding
/// manager. Replaced, never reused, when the binding moves on; <see cref="Close"/> hands the held packets over.
/// </summary>
internal sealed class PendingAcquire(long timestamp, DateTimeOffset since)
{
    /// <summary>Larger packets (GSO/GRO super-packets) do not fit a pooled buffer with its ESP headroom and are not held.</summary>
    private const int MaxHeldPacketLength = 2048;

    private readonly Lock _gate = new();
    private readonly List<HeldPacket> _held = [];
    private bool _closed;
    private long _heldSince;

    /// <summary>TimeProvider timestamp of the acquire.</summary>
    public long Timestamp { get; } = timestamp;

    public DateTimeOffset Since { get; } = since;

    /// <summary>
    /// Copies the packet into a pooled buffer, remembering where its verdict is owed; false when full or closed.
    /// Held packets older than <paramref name="staleBefore"/> are dropped first.
    /// </summary>
    public bool TryHold(PacketBuffer packet, PacketBufferPool pool, int maxHeld, long now, long staleBefore, DataPathStatistics statistics)
    {
        lock (_gate)
        {
            if (_held.Count > 0 && _heldSince < staleBefore)
            {
                statistics.CountHeldDropped(DropAll(pool));
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
            _held.Add(new HeldPacket(copy, packet.Exit, packet.PacketId));
            return true;
        }
    }

    /// <summary>Drops held packets older than <paramref name="staleBefore"/>; returns how many.</summary>
    public int DropStale(PacketBufferPool pool, long staleBefore)
    {
        lock (_gate)
        {
            return _held.Count > 0 && _heldSince < staleBefore ? DropAll(pool) : 0;
        }
    }

    /// <summary>Ends this state: no more packets are held; returns those held so far.</summary>
    public HeldPacket[] Close()
    {
        lock (_gate)
        {
            _closed = true;
            HeldPacket[] held = [.. _held];
            _held.Clear();
            return held;
        }
    }

    private int DropAll(PacketBufferPool pool)
    {
        var count = _held.Count;
        foreach (var held in _held)
        {
            held.Exit?.Drop(held.PacketId);
            pool.Return(held.Copy);
        }

        _held.Clear();
        return count;
    }
}

/// <summary>A held packet's bytes and where its verdict is owed (none for a packet that came from no queue).</summary>
internal readonly record struct HeldPacket(PacketBuffer Copy, IPacketExit? Exit, uint PacketId);
