using Rampart.DataPath.Buffers;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.DataPath.Tests.Doubles;

/// <summary>
/// The packet queue's verdict edge in memory (as wireguard-go's tun/tuntest): packets handed to the engine through
/// <see cref="Queue"/> owe their verdict here; the engine's later verdicts for held ones are recorded in order.
/// Thread-safe: the engine may settle packets from another thread than the one that queued them.
/// </summary>
public sealed class InMemoryPacketExit : IPacketExit
{
    private readonly Lock _gate = new();
    private readonly List<byte[]> _released = [];
    private readonly List<uint> _dropped = [];
    private readonly HashSet<uint> _owed = [];
    private uint _nextId;

    /// <summary>Bytes of the packets released so far, in order.</summary>
    public IReadOnlyList<byte[]> Released
    {
        get
        {
            lock (_gate)
            {
                return [.. _released];
            }
        }
    }

    /// <summary>Ids of the packets dropped after being held.</summary>
    public IReadOnlyList<uint> Dropped
    {
        get
        {
            lock (_gate)
            {
                return [.. _dropped];
            }
        }
    }

    /// <summary>A buffer holding <paramref name="packet"/> as the queue hands it over: with a fresh id owed to this exit.</summary>
    public PacketBuffer Queue(byte[] packet)
    {
        var buffer = new PacketBuffer();
        buffer.Load(packet);
        lock (_gate)
        {
            var id = ++_nextId;
            _owed.Add(id);
            buffer.SetOrigin(this, id);
        }

        return buffer;
    }

    public void Release(uint packetId, ReadOnlySpan<byte> packet)
    {
        var copy = packet.ToArray();
        lock (_gate)
        {
            Settle(packetId);
            _released.Add(copy);
        }
    }

    public void Drop(uint packetId)
    {
        lock (_gate)
        {
            Settle(packetId);
            _dropped.Add(packetId);
        }
    }

    private void Settle(uint packetId)
    {
        // A verdict for a packet never queued here, or a second verdict for one, is a bug the kernel would answer with an error.
        if (!_owed.Remove(packetId))
        {
            throw new InvalidOperationException($"no verdict owed for packet {packetId}");
        }
    }
}
